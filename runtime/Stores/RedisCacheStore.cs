using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using StackExchange.Redis;

namespace CacheGen.Stores;

/// <summary>
/// The Redis <see cref="ICacheStore"/> on StackExchange.Redis. Every cache command touches one key, so it works on a
/// Redis Cluster unchanged; conditional writes and tombstones are single-key Lua scripts. The operator deletes of
/// <see cref="RemoveByPatternAsync"/> scan every primary and split their batches by hash slot on a cluster.
/// </summary>
/// <remarks>
/// <para>StackExchange.Redis 2.x/3.x bounds each command by its own <c>asyncTimeout</c> (set to the operation timeout by
/// <see cref="RedisConnectionSettings.Parse"/>), but checks it only about once a second: every await is also bounded by the
/// caller's token (<see cref="Task.WaitAsync(CancellationToken)"/>), which carries the client's operation timeout.</para>
/// <para>The store knows whether it is connected to a replica (<see cref="IsReadOnly"/>): it asks
/// <c>INFO replication</c> once connected, whenever a connection is restored or the configuration changes, and
/// every few seconds while it is read-only, so a promoted replica is noticed.</para>
/// </remarks>
public sealed class RedisCacheStore : ICacheStore, ICacheStoreInfo, Internal.IStoreConnection, IDisposable
{
    /// <summary>The most keys one <c>UNLINK</c> carries, and the <c>COUNT</c> of each <c>SCAN</c> page.</summary>
    internal const int BatchSize = 1000;

    /// <summary>What a read returns for a key holding a list, hash or set: a foreign value, overwritten like garbage.</summary>
    internal static readonly byte[] WrongTypeMarker = "\0WRONGTYPE"u8.ToArray();

    // compare the write token seen before the value was computed; any invalidation or newer write changes it.
    // A key of another type (GET would fail with WRONGTYPE) compares as the marker, so it is overwritten too.
    private const string WriteIfUnchangedScript = """
        local t = redis.call('TYPE', KEYS[1])['ok']
        local h = ''
        if t == 'string' then h = redis.call('GETRANGE', KEYS[1], 0, 18) elseif t ~= 'none' then h = '\0WRONGTYPE' end
        if h == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end
        return 0
        """;

    // a stamp that is missing (evicted, expired, flushed) is recreated with a new value, atomically
    private const string EnsureStampScript = "local v = redis.call('GET', KEYS[1]) if v then return v end redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return ARGV[1]";

    // DEL first: when Redis is out of memory (noeviction) the SET fails, but the key is gone
    private const string ReplaceScript = "redis.call('DEL', KEYS[1]) redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1";

    private readonly Lazy<Task<ConnectionMultiplexer>> _connection;
    private readonly int _database;
    private readonly TimeProvider _time;
    private readonly TimeSpan _roleTimeout;

    // false for a multiplexer the application registered (CacheGenOptions.UseConnection): never disposed here
    private readonly bool _ownsConnection = true;
    private static readonly TimeSpan s_readOnlyRecheck = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_splitRecheck = TimeSpan.FromMilliseconds(250);

    // consecutive checks that saw more than one primary outside a cluster (60 × 250 ms: then the periodic check takes over)
    private const int MaxSplitChecks = 60;
    private int _splitPrimaries;
    private int _unsettledChecks;
    private EventHandler<ConnectionFailedEventArgs>? _onRestored;
    private EventHandler<ConnectionFailedEventArgs>? _onFailed;
    private EventHandler<EndPointEventArgs>? _onConfigurationChanged;

    // the last role each endpoint reported (true: replica), so a replica that is down does not fail a pattern delete
    private readonly ConcurrentDictionary<EndPoint, bool> _replicas = new();

    // the last role and run id each endpoint reported, to tell when the primary changed or restarted (docs/design.md S25)
    private readonly ConcurrentDictionary<EndPoint, ServerIdentity> _identities = new();
    private int _serverCheckPending;
    private volatile bool _readOnly;
    private long _roleCheckedAt;
    private int _roleRefresh;
    private long _demotionSeenAt;
    private volatile bool _everConnected;
    private volatile bool _multiGetDenied;
    private volatile bool _warmingUp;

    /// <summary>Creates the store; it connects on <see cref="StartConnecting"/> or first use, in the background, and reconnects by itself.</summary>
    /// <param name="configuration">The StackExchange.Redis options (see <see cref="RedisConnectionSettings.Parse"/>).</param>
    /// <param name="timeProvider">The clock for role checks; <see cref="TimeProvider.System"/> by default.</param>
    public RedisCacheStore(ConfigurationOptions configuration, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        _database = configuration.DefaultDatabase ?? 0;
        _time = timeProvider ?? TimeProvider.System;
        _roleTimeout = TimeSpan.FromMilliseconds(Math.Max(configuration.ConnectTimeout, 1000));
        var config = configuration.Clone();

        // StackExchange.Redis refuses INFO (role detection, server figures) unless admin mode is on. This store sends
        // no other admin command: never KEYS (RemoveByPatternAsync checks for SCAN first), FLUSHDB or FLUSHALL
        config.AllowAdmin = true;
        // on a pool thread: StackExchange.Redis does part of a connect synchronously, and the caller must not wait for it
        _connection = new(() => Task.Run(() => ConnectAsync(config)), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>
    /// Creates the store over a multiplexer the application opened and owns (see <see cref="RedisConnectionBorrowing"/>):
    /// the store listens to its events and never disposes it.
    /// </summary>
    internal RedisCacheStore(ConnectionMultiplexer borrowed, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(borrowed);
        var configuration = RedisConnectionBorrowing.ReadConfiguration(borrowed);
        _database = configuration.DefaultDatabase ?? 0;
        _time = timeProvider ?? TimeProvider.System;
        _roleTimeout = TimeSpan.FromMilliseconds(Math.Max(configuration.ConnectTimeout, 1000));
        _ownsConnection = false;
        _connection = new(() => Task.Run(() => AttachAsync(borrowed)), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <inheritdoc/>
    public string Name => "redis";

    /// <inheritdoc/>
    /// <remarks>
    /// <see langword="true"/> when every endpoint that answered <c>INFO replication</c> reported <c>role:slave</c>;
    /// <see langword="false"/> while no endpoint has answered yet. Reading it starts a new check (role and run id) in the
    /// background every <c>5</c> seconds, so a promotion or a restart is seen without a reconnect.
    /// </remarks>
    public bool IsReadOnly
    {
        get
        {
            bool readOnly = _readOnly;
            // also while writable: a replica promoted or a primary restarted without a dropped connection is seen within the interval
            // while on a replica, at least every second: a promotion ends the bypass of what the journal holds
            var interval = readOnly && RoleRecheckInterval > s_readOnlyRecheck ? s_readOnlyRecheck : RoleRecheckInterval;
            if (_time.GetElapsedTime(Volatile.Read(ref _roleCheckedAt)) >= interval && TryGetConnection(out var multiplexer))
            {
                RequestRoleRefresh(multiplexer);
            }

            return readOnly;
        }
    }

    /// <summary>Gets why the store is read-only, for the <c>StoreReadOnly</c> warning (what to configure when the primary is not configured).</summary>
    internal string ReadOnlyReason { get; private set; } = RedisTopologyAdvice.ConnectedToReplica;

    /// <summary>Gets or sets how often a read-only store asks again whether it is still on a replica (tests shorten it).</summary>
    internal TimeSpan RoleRecheckInterval { get; set; } = TimeSpan.FromSeconds(CacheGenDefaults.RoleRecheckSeconds);

    /// <inheritdoc/>
    bool Internal.IStoreConnection.FirstConnectPending
    {
        get
        {
            // until the first connect attempt ends (connected, or failed after the connect timeout; it goes on
            // retrying in the background): from then on, failures are real faults, e.g. refused credentials
            if (!_everConnected && _connection.IsValueCreated && _connection.Value.IsCompleted)
            {
                _everConnected = true;
            }

            return !_everConnected;
        }
    }

    /// <inheritdoc/>
    bool Internal.IStoreConnection.ServerCheckPending => Volatile.Read(ref _serverCheckPending) == 1;

    /// <inheritdoc/>
    public event Action? ConnectionRestored;

    /// <inheritdoc/>
    public event Action<string>? ServerChanged;

    /// <summary>
    /// Gets or sets what runs once on the first connection, in the background: the client's warm-up
    /// (<see cref="Internal.StoreAccessor.WarmUpAsync"/>), bounded by the probe timeout. Set before <see cref="StartConnecting"/>.
    /// </summary>
    internal Func<CancellationToken, Task>? WarmUp { get; set; }

    /// <summary>Gets whether the warm-up on the first connection is still running (readiness waits for it).</summary>
    internal bool WarmingUp => _warmingUp;

    /// <summary>Starts the first connect in the background, if it has not started yet; returns at once.</summary>
    public void StartConnecting() => _ = _connection.Value;

    /// <summary>Gets the multiplexer, connecting if needed. Bounded by <paramref name="cancellationToken"/>.</summary>
    public async Task<ConnectionMultiplexer> GetConnectionAsync(CancellationToken cancellationToken) =>
        await _connection.Value.WaitAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    /// <remarks>
    /// One <c>MGET</c> of the entry and its stamps (one command, one reply) when they share a hash slot, which is always
    /// the case outside a cluster; on a cluster, one <c>GET</c> each, sent together. <c>MGET</c> reads a key of another
    /// type as absent where <c>GET</c> fails with <c>WRONGTYPE</c>: the client finds such a key when it cannot reserve it.
    /// </remarks>
    public async ValueTask<CacheStoreReadResult> ReadAsync(string key, IReadOnlyList<string> stampKeys, CancellationToken cancellationToken)
    {
        RedisValue[] values;
        try
        {
            values = await ReplyAsync(ReadRawAsync(key, stampKeys), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            NoteReadFault(e);
            throw;
        }

        var stamps = new string?[stampKeys.Count];
        for (int i = 0; i < stamps.Length; i++)
        {
            stamps[i] = values[i + 1].IsNull ? null : (string?)values[i + 1];
        }

        return new CacheStoreReadResult((byte[]?)values[0], stamps);
    }

    /// <summary>
    /// Sends the read of <see cref="ReadAsync"/> and returns the client's own reply task, unbounded: the entry, then each
    /// stamp, as StackExchange.Redis read them (the client bounds the wait; the hit path decodes nothing it does not need).
    /// </summary>
    internal Task<RedisValue[]> ReadRawAsync(string key, IReadOnlyList<string> stampKeys)
    {
        var connecting = _connection.Value;
        if (!connecting.IsCompletedSuccessfully)
        {
            return ReadAfterConnectAsync(connecting, key, stampKeys);
        }

        var multiplexer = connecting.Result;
        var db = multiplexer.GetDatabase(_database);
        if (stampKeys.Count > 0 && !_multiGetDenied && OneSlot(multiplexer, key, stampKeys))
        {
            var keys = new RedisKey[1 + stampKeys.Count];
            keys[0] = key;
            for (int i = 0; i < stampKeys.Count; i++)
            {
                keys[i + 1] = stampKeys[i];
            }

            return db.StringGetAsync(keys);
        }

        return ReadEachAsync(db, key, stampKeys);
    }

    /// <summary>
    /// Sends a plain <c>GET</c> of an entry and returns the client's own reply task, unbounded (the client bounds the
    /// wait): the hit path's read when this process holds the entry's stamps (<see cref="Internal.StampTokens"/>).
    /// </summary>
    internal Task<RedisValue> GetRawAsync(string key)
    {
        var connecting = _connection.Value;
        return connecting.IsCompletedSuccessfully
            ? connecting.Result.GetDatabase(_database).StringGetAsync(key)
            : GetAfterConnectAsync(connecting, key);
    }

    private async Task<RedisValue> GetAfterConnectAsync(Task<ConnectionMultiplexer> connecting, string key) =>
        await (await connecting.ConfigureAwait(false)).GetDatabase(_database).StringGetAsync(key).ConfigureAwait(false);

    private async Task<RedisValue[]> ReadAfterConnectAsync(Task<ConnectionMultiplexer> connecting, string key, IReadOnlyList<string> stampKeys)
    {
        await connecting.ConfigureAwait(false);
        return await ReadRawAsync(key, stampKeys).ConfigureAwait(false);
    }

    private static async Task<RedisValue[]> ReadEachAsync(IDatabase db, string key, IReadOnlyList<string> stampKeys)
    {
        var value = db.StringGetAsync(key);
        var stamps = new Task<RedisValue>[stampKeys.Count];
        for (int i = 0; i < stamps.Length; i++)
        {
            stamps[i] = db.StringGetAsync(stampKeys[i]);
        }

        var values = new RedisValue[1 + stamps.Length];
        try
        {
            values[0] = await value.ConfigureAwait(false);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal))
        {
            // a data problem of one key, not a store outage: read it as a foreign value, so it is a counted miss and is overwritten
            values[0] = WrongTypeMarker;
        }

        for (int i = 0; i < stamps.Length; i++)
        {
            values[i + 1] = await stamps[i].ConfigureAwait(false);
        }

        return values;
    }

    /// <summary>
    /// A read failed: if the server's ACL denies <c>MGET</c> (an ACL written before CacheGen read with it), later reads
    /// send one <c>GET</c> per key instead, which that ACL allows. That one read is a counted store error.
    /// </summary>
    internal void NoteReadFault(Exception fault)
    {
        if (fault is RedisServerException && fault.Message.StartsWith("NOPERM", StringComparison.Ordinal)
            && fault.Message.Contains("mget", StringComparison.OrdinalIgnoreCase))
        {
            _multiGetDenied = true;
        }
    }

    /// <summary>Whether every key maps to one hash slot (StackExchange.Redis gives every key "no slot" outside a cluster).</summary>
    private static bool OneSlot(ConnectionMultiplexer multiplexer, string key, IReadOnlyList<string> others)
    {
        int slot = multiplexer.HashSlot(key);
        for (int i = 0; i < others.Count; i++)
        {
            if (multiplexer.HashSlot(others[i]) != slot)
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public async ValueTask<bool> WriteIfUnchangedAsync(string key, ReadOnlyMemory<byte> expectedHeader, byte[] value, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var result = await EvaluateAsync(WriteIfUnchangedScript, key, [expectedHeader.ToArray(), value, (long)ttl.TotalMilliseconds], cancellationToken).ConfigureAwait(false);
        return (long)result == 1;
    }

    /// <inheritdoc/>
    public async ValueTask RemoveAsync(string key, byte[] tombstone, TimeSpan tombstoneTtl, CancellationToken cancellationToken) =>
        await InvalidateAsync(key, [tombstone, (long)tombstoneTtl.TotalMilliseconds], cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    public async ValueTask<string> EnsureStampAsync(string stampKey, string candidate, TimeSpan ttl, CancellationToken cancellationToken) =>
        (string)(await EvaluateAsync(EnsureStampScript, stampKey, [candidate, (long)ttl.TotalMilliseconds], cancellationToken).ConfigureAwait(false))!;

    /// <inheritdoc/>
    public async ValueTask SetStampAsync(string stampKey, string stamp, TimeSpan ttl, CancellationToken cancellationToken) =>
        await InvalidateAsync(stampKey, [Encoding.UTF8.GetBytes(stamp), (long)ttl.TotalMilliseconds], cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    /// <remarks>
    /// Every primary endpoint is scanned with <see cref="IServer.KeysAsync(int, RedisValue, int, long, int, CommandFlags)"/>
    /// (<c>SCAN</c>, <c>COUNT 1000</c>, asynchronous) and the keys are deleted with
    /// <see cref="IDatabaseAsync.KeyDeleteAsync(RedisKey[], CommandFlags)"/>, for which StackExchange.Redis picks <c>UNLINK</c>
    /// (<c>DEL</c> on servers before 4.0), in batches of at most 1000 (on a cluster, split by hash slot, since one command
    /// may not span slots). Replicas are skipped. <c>KEYS</c> is never sent: a server without <c>SCAN</c> (before 2.8, or
    /// whose <c>INFO</c> is denied) fails the call instead. Cancelling the token ends the wait at once and stops the scan
    /// between pages.
    /// </remarks>
    public async ValueTask<long> RemoveByPatternAsync(string pattern, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var multiplexer = await GetConnectionAsync(cancellationToken).ConfigureAwait(false);
        var primaries = await GetPrimariesAsync(multiplexer, cancellationToken).ConfigureAwait(false);
        var scans = new Task<long>[primaries.Count];
        for (int i = 0; i < scans.Length; i++)
        {
            IServer server = primaries[i];
            if (!server.Features.Scan)
            {
                throw new NotSupportedException("The Redis server does not report SCAN (Redis 2.8+, and INFO must be allowed); pattern deletes never fall back to KEYS.");
            }

            scans[i] = ScanAndUnlinkAsync(multiplexer, server, pattern, cancellationToken);
        }

        long[] removed = await Task.WhenAll(scans).WaitAsync(cancellationToken).ConfigureAwait(false);
        return removed.Sum();
    }

    /// <inheritdoc/>
    /// <remarks>
    /// One <c>INFO</c> per connected endpoint. The figures are summed over the primaries (over the replicas when the
    /// store is connected to replicas only), so a cluster reports its total.
    /// </remarks>
    public async ValueTask<CacheStoreServerInfo> GetServerInfoAsync(CancellationToken cancellationToken)
    {
        var multiplexer = await GetConnectionAsync(cancellationToken).ConfigureAwait(false);
        var servers = multiplexer.GetEndPoints().Select(e => multiplexer.GetServer(e)).Where(s => s.IsConnected).ToList();
        if (servers.Count == 0)
        {
            throw new InvalidOperationException("No Redis endpoint is connected.");
        }

        var infos = await Task.WhenAll(servers.Select(s => s.InfoAsync())).WaitAsync(cancellationToken).ConfigureAwait(false);
        var fields = infos.Select(Flatten).ToList();
        var primaries = fields.Where(f => !IsReplica(f)).ToList();
        var counted = primaries.Count > 0 ? primaries : fields;
        return new CacheStoreServerInfo(
            Sum(counted, "keyspace_hits"),
            Sum(counted, "keyspace_misses"),
            Sum(counted, "used_memory"),
            Sum(counted, "connected_clients"));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_connection.IsValueCreated)
        {
            return;
        }

        if (!_ownsConnection)
        {
            // the application's connection outlives this store: stop listening, leave it open
            _connection.Value.ContinueWith(t => RedisConnectionBorrowing.Detach(t.Result, _onRestored, _onConfigurationChanged, _onFailed), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            return;
        }

        if (_connection.Value.IsCompletedSuccessfully)
        {
            _connection.Value.Result.Dispose();
        }
        else
        {
            // a connect still under way: dispose the multiplexer once it exists
            _connection.Value.ContinueWith(static t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        }
    }

    private static Dictionary<string, string> Flatten(IGrouping<string, KeyValuePair<string, string>>[] info)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in info.SelectMany(g => g))
        {
            fields[pair.Key] = pair.Value;
        }

        return fields;
    }

    private static bool IsReplica(Dictionary<string, string> fields) =>
        fields.TryGetValue("role", out string? role) && role == "slave";

    private static long? Sum(List<Dictionary<string, string>> servers, string field)
    {
        long? sum = null;
        foreach (var fields in servers)
        {
            if (fields.TryGetValue(field, out string? text) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value))
            {
                sum = (sum ?? 0) + value;
            }
        }

        return sum;
    }

    private async Task<ConnectionMultiplexer> ConnectAsync(ConfigurationOptions config)
    {
        // exception messages would otherwise carry the command's key, and keys may hold user data
        config.IncludeDetailInExceptions = false;
        return await AttachAsync(await ConnectionMultiplexer.ConnectAsync(config).ConfigureAwait(false)).ConfigureAwait(false);
    }

    private async Task<ConnectionMultiplexer> AttachAsync(ConnectionMultiplexer multiplexer)
    {
        _onRestored = (_, e) =>
        {
            // the subscription connection may come back before the one that carries commands
            if (e.ConnectionType == ConnectionType.Interactive)
            {
                // the server behind it may have restarted from an older snapshot: hold recent invalidations until we know
                Volatile.Write(ref _serverCheckPending, 1);
                MarkConnected();
            }

            RequestRoleRefresh(multiplexer);
        };
        _onConfigurationChanged = (_, _) =>
        {
            // a failover (Sentinel's switch, a cluster's new primary): the new primary may lack recent invalidations
            Volatile.Write(ref _serverCheckPending, 1);
            RequestRoleRefresh(multiplexer);
        };
        _onFailed = (_, e) =>
        {
            // the primary may be gone: reads may now fall back to a replica that lacks recent invalidations, so hold
            // recent invalidations until the roles are known
            if (e.ConnectionType == ConnectionType.Interactive)
            {
                Volatile.Write(ref _serverCheckPending, 1);
                RequestRoleRefresh(multiplexer);
            }
        };
        multiplexer.ConnectionRestored += _onRestored;
        multiplexer.ConnectionFailed += _onFailed;
        multiplexer.ConfigurationChanged += _onConfigurationChanged;
        multiplexer.ConfigurationChangedBroadcast += _onConfigurationChanged;

        // know the role before the first command, so no write-back is ever sent to a replica (docs/design.md S8)
        await DetectRoleAsync(multiplexer).ConfigureAwait(false);
        if (multiplexer.IsConnected)
        {
            _everConnected = true;
            if (WarmUp is { } warmUp)
            {
                // readiness (health, statistics) waits for the client's warm-up on this connection; calls do not
                _warmingUp = true;
                _ = Task.Run(() => RunWarmUpAsync(warmUp));
            }

            // raised after the task completes, so a listener sees the connection
            _ = Task.Run(MarkConnected);
        }

        return multiplexer;
    }

    private async Task RunWarmUpAsync(Func<CancellationToken, Task> warmUp)
    {
        try
        {
            using var bound = new CancellationTokenSource(TimeSpan.FromMilliseconds(CacheGenDefaults.ProbeTimeoutMs));
            await warmUp(bound.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // the warm-up logs what failed
        }
        finally
        {
            _warmingUp = false;
        }
    }

    private void MarkConnected()
    {
        _everConnected = true;
        ConnectionRestored?.Invoke();
    }

    private bool TryGetConnection(out ConnectionMultiplexer multiplexer)
    {
        if (_connection.IsValueCreated && _connection.Value.IsCompletedSuccessfully)
        {
            multiplexer = _connection.Value.Result;
            return true;
        }

        multiplexer = null!;
        return false;
    }

    /// <summary>Runs a role check in the background; a request made while one runs makes it run once more.</summary>
    private void RequestRoleRefresh(ConnectionMultiplexer multiplexer)
    {
        // 0: idle, 1: running, 2: running and asked again
        while (true)
        {
            int state = Volatile.Read(ref _roleRefresh);
            if (state == 2 || (state == 1 && Interlocked.CompareExchange(ref _roleRefresh, 2, 1) == 1))
            {
                return;
            }

            if (state == 0 && Interlocked.CompareExchange(ref _roleRefresh, 1, 0) == 0)
            {
                _ = RunRoleRefreshAsync(multiplexer);
                return;
            }
        }
    }

    private async Task RunRoleRefreshAsync(ConnectionMultiplexer multiplexer)
    {
        do
        {
            Volatile.Write(ref _roleRefresh, 1);
            await DetectRoleAsync(multiplexer).ConfigureAwait(false);
        }
        while (Interlocked.CompareExchange(ref _roleRefresh, 0, 1) != 1);

        if (_unsettledChecks > 0 && _unsettledChecks <= MaxSplitChecks)
        {
            // two primaries (a replica promoted, the old primary not demoted yet: writes may still reach the one about to
            // lose them), or a primary we wrote to does not answer (its replica may be promoted without it). Keep holding
            // recent invalidations and look again soon, so the promotion or demotion (and its replay) is seen within a
            // quarter of a second instead of at the next periodic check
            _ = Task.Delay(s_splitRecheck, _time).ContinueWith(_ => RequestRoleRefresh(multiplexer), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            return;
        }

        // answered (a change was raised before this), or nobody answered and nothing is read from a server that is down
        Volatile.Write(ref _serverCheckPending, 0);
    }

    /// <summary>Asks every connected endpoint for its role; never throws. Read-only when some endpoint answered and none is a primary.</summary>
    private async Task DetectRoleAsync(ConnectionMultiplexer multiplexer)
    {
        try
        {
            int primaries = 0;
            int replicas = 0;
            string? change = null;
            var answered = new HashSet<EndPoint>();
            foreach (EndPoint endpoint in multiplexer.GetEndPoints())
            {
                if (await GetIdentityAsync(multiplexer.GetServer(endpoint)).ConfigureAwait(false) is not { } identity)
                {
                    continue;
                }

                answered.Add(endpoint);
                bool replica = identity.Replica;
                change ??= DescribeChange(endpoint, identity);
                _identities[endpoint] = identity;
                _replicas[endpoint] = replica;
                if (replica)
                {
                    replicas++;
                }
                else
                {
                    primaries++;
                }
            }

            Volatile.Write(ref _roleCheckedAt, _time.GetTimestamp());
            var silentPrimaries = _identities.Where(p => !p.Value.Replica && !answered.Contains(p.Key)).Select(p => p.Key).ToList();
            if (change is not null)
            {
                // a promotion or a restart: the replay that follows covers what the silent primaries acknowledged
                foreach (var endpoint in silentPrimaries)
                {
                    _identities.TryRemove(endpoint, out _);
                }

                silentPrimaries.Clear();
            }

            bool cluster = multiplexer.GetEndPoints().Any(e => multiplexer.GetServer(e).ServerType == ServerType.Cluster);
            _splitPrimaries = primaries > 1 && !cluster ? _splitPrimaries + 1 : 0;
            _unsettledChecks = _splitPrimaries > 0 || silentPrimaries.Count > 0 ? _unsettledChecks + 1 : 0;
            if (primaries + replicas == 0)
            {
                // nobody answered (Redis is down): keep what we knew
                return;
            }

            bool readOnly = primaries == 0;
            if (readOnly && !_readOnly && silentPrimaries.Count > 0)
            {
                // every primary we wrote to is gone or demoted: reads come from replicas that may lack recent invalidations
                change ??= "no primary answers; reads come from a replica";
            }

            if (readOnly && !_readOnly)
            {
                ReadOnlyReason = await RedisTopologyAdvice.DescribeReadOnlyAsync(multiplexer, _roleTimeout, _time).ConfigureAwait(false);
            }

            if (_readOnly && !readOnly)
            {
                // StackExchange.Redis routes writes away from a node it last saw as a replica until it looks again
                await multiplexer.ConfigureAsync().WaitAsync(_roleTimeout, _time).ConfigureAwait(false);
            }

            _readOnly = readOnly;
            if (change is not null)
            {
                ServerChanged?.Invoke(change);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // best effort in the background: the next trigger (a restored connection, a configuration change, or the
            // periodic check while read-only) tries again
        }
    }

    /// <summary>
    /// What changed about <paramref name="endpoint"/> that may have lost writes this store made, or <see langword="null"/>:
    /// a promotion, a demotion, a primary with a new run id (a restart), or a primary never seen while others were known.
    /// A replica's restart changes nothing: writes never went to it.
    /// </summary>
    private string? DescribeChange(EndPoint endpoint, ServerIdentity now)
    {
        if (!_identities.TryGetValue(endpoint, out var before))
        {
            return !now.Replica && !_identities.IsEmpty ? $"{EndPointCollection.ToString(endpoint)} is a new primary" : null;
        }

        if (before.Replica != now.Replica)
        {
            return now.Replica ? $"{EndPointCollection.ToString(endpoint)} was demoted to a replica" : $"{EndPointCollection.ToString(endpoint)} was promoted to primary";
        }

        return !now.Replica && before.RunId is not null && now.RunId is not null && before.RunId != now.RunId
            ? $"{EndPointCollection.ToString(endpoint)} restarted (new run id)"
            : null;
    }

    /// <summary>Returns the role and run id of <paramref name="server"/>, or <see langword="null"/> when it cannot say now.</summary>
    private async Task<ServerIdentity?> GetIdentityAsync(IServer server)
    {
        if (!server.IsConnected)
        {
            return null;
        }

        try
        {
            bool replica = await AskRoleAsync(server).ConfigureAwait(false);
            return new ServerIdentity(replica, await AskRunIdAsync(server).ConfigureAwait(false));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // RedisConnectionException, a timeout, or NOPERM when an ACL denies INFO: the role stays unknown
            return null;
        }
    }

    /// <summary>Asks <c>INFO replication</c> whether <paramref name="server"/> is a replica; throws when it cannot tell.</summary>
    private async Task<bool> AskRoleAsync(IServer server)
    {
        IGrouping<string, KeyValuePair<string, string>>[] info;
        try
        {
            info = await server.InfoAsync("replication").WaitAsync(_roleTimeout, _time).ConfigureAwait(false);
        }
        catch (RedisCommandException)
        {
            // an application's multiplexer without allowAdmin refuses INFO before sending it; ROLE is not an admin command
            var reply = await server.RoleAsync().WaitAsync(_roleTimeout, _time).ConfigureAwait(false);
            return reply.Value == "slave";
        }

        return Flatten(info).TryGetValue("role", out string? role)
            ? role == "slave"
            : throw new InvalidOperationException("A Redis endpoint's INFO reported no role.");
    }

    /// <summary>
    /// Asks <c>INFO server</c> for the run id, which a server draws anew at every start, so a restart (from an older
    /// snapshot, say) is told from a dropped connection; <see langword="null"/> when INFO is refused (no admin mode).
    /// </summary>
    private async Task<string?> AskRunIdAsync(IServer server)
    {
        try
        {
            var info = await server.InfoAsync("server").WaitAsync(_roleTimeout, _time).ConfigureAwait(false);
            return Flatten(info).GetValueOrDefault("run_id");
        }
        catch (RedisCommandException)
        {
            return null;
        }
    }

    /// <summary>The primaries to scan. A delete that cannot tell whether an endpoint is a primary fails rather than miss its keys.</summary>
    private async Task<List<IServer>> GetPrimariesAsync(ConnectionMultiplexer multiplexer, CancellationToken cancellationToken)
    {
        var primaries = new List<IServer>();
        foreach (EndPoint endpoint in multiplexer.GetEndPoints())
        {
            IServer server = multiplexer.GetServer(endpoint);
            bool replica;
            try
            {
                replica = await AskRoleAsync(server).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RedisException or TimeoutException && _replicas.TryGetValue(endpoint, out bool known) && known)
            {
                // a replica that is down holds nothing a primary does not; any other endpoint that cannot answer
                // fails the delete, which would otherwise miss its keys
                continue;
            }

            _replicas[endpoint] = replica;
            if (!replica)
            {
                primaries.Add(server);
            }
        }

        if (primaries.Count == 0)
        {
            throw new InvalidOperationException("No Redis primary is connected (the store is a read-only replica); keys can only be deleted on a primary.");
        }

        return primaries;
    }

    private async Task<long> ScanAndUnlinkAsync(ConnectionMultiplexer multiplexer, IServer server, string pattern, CancellationToken cancellationToken)
    {
        var db = multiplexer.GetDatabase(_database);
        var batch = new List<RedisKey>(BatchSize);
        bool cluster = server.ServerType == ServerType.Cluster;
        long removed = 0;

        await foreach (RedisKey key in server.KeysAsync(_database, pattern, pageSize: BatchSize).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            batch.Add(key);
            if (batch.Count == BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                removed += await UnlinkAsync(multiplexer, db, batch, cluster, cancellationToken).ConfigureAwait(false);
                batch.Clear();
            }
        }

        if (batch.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            removed += await UnlinkAsync(multiplexer, db, batch, cluster, cancellationToken).ConfigureAwait(false);
        }

        return removed;
    }

    private async Task<long> UnlinkAsync(ConnectionMultiplexer multiplexer, IDatabase db, List<RedisKey> keys, bool cluster, CancellationToken cancellationToken)
    {
        if (!cluster)
        {
            return await DeleteAsync(db, keys, cancellationToken).ConfigureAwait(false);
        }

        // a cluster refuses a multi-key command across hash slots (CROSSSLOT): one command per slot, pipelined
        var commands = keys.GroupBy(k => multiplexer.HashSlot(k))
            .Select(g => DeleteAsync(db, g.ToList(), cancellationToken))
            .ToList();
        long removed = 0;
        foreach (long count in await Task.WhenAll(commands).ConfigureAwait(false))
        {
            removed += count;
        }

        return removed;
    }

    // StackExchange.Redis sends UNLINK when the server has it (4.0+), else DEL
    private static async Task<long> DeleteAsync(IDatabase db, List<RedisKey> keys, CancellationToken cancellationToken) =>
        await db.KeyDeleteAsync(keys.ToArray(), CommandFlags.DemandMaster).WaitAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Awaits a command's reply, bounded by the token. A reply that arrived before the token fired is used even when its
    /// continuation runs after it: a starved thread pool runs both late, and that is a local delay, not a store timeout.
    /// </summary>
    private static async Task<T> ReplyAsync<T>(Task<T> reply, CancellationToken cancellationToken)
    {
        try
        {
            return await reply.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (reply.IsCompletedSuccessfully)
        {
            return reply.Result;
        }
    }

    private async Task<IDatabase> GetDatabaseAsync(CancellationToken cancellationToken) =>
        (await GetConnectionAsync(cancellationToken).ConfigureAwait(false)).GetDatabase(_database);

    /// <summary>
    /// Sends <c>WAIT replicas timeout</c> to the primary that holds <paramref name="key"/>, on the connection that carried
    /// the invalidation, and returns how many replicas acknowledged every write sent on it so far.
    /// </summary>
    internal async ValueTask<long> WaitForReplicasAsync(string key, int replicas, int timeoutMs, CancellationToken cancellationToken)
    {
        var multiplexer = await GetConnectionAsync(cancellationToken).ConfigureAwait(false);
        IServer? node = null;
        foreach (EndPoint endpoint in multiplexer.GetEndPoints())
        {
            IServer server = multiplexer.GetServer(endpoint);
            if (server.IsConnected && server.ServerType == ServerType.Cluster)
            {
                // a cluster: the primary of the key's slot
                node = server.ClusterConfiguration?.GetBySlot(key) is { } owner ? multiplexer.GetServer(owner.EndPoint) : null;
                break;
            }
        }

        object[] args = [replicas, timeoutMs];
        RedisResult result = node is not null
            ? await node.ExecuteAsync("WAIT", args).WaitAsync(cancellationToken).ConfigureAwait(false)
            : await multiplexer.GetDatabase(_database).ExecuteAsync("WAIT", args, CommandFlags.DemandMaster).WaitAsync(cancellationToken).ConfigureAwait(false);
        return (long)result;
    }

    /// <summary>
    /// Runs the replace script (a tombstone or a new stamp) where StackExchange.Redis routes it and, while two primaries
    /// answer outside a cluster (a promoted replica, the old primary not demoted yet: docs/design.md S25), on every primary
    /// too, so whichever survives has it. Sentinel may leave the old primary writable for seconds after a failover, and
    /// StackExchange.Redis may keep writing to it; whatever it acknowledges there is lost when it is demoted.
    /// </summary>
    private async Task InvalidateAsync(string key, RedisValue[] args, CancellationToken cancellationToken)
    {
        await EvaluateAsync(ReplaceScript, key, args, cancellationToken).ConfigureAwait(false);
        if (Volatile.Read(ref _splitPrimaries) == 0 || !TryGetConnection(out var multiplexer))
        {
            return;
        }

        var copies = new List<Task>();
        foreach (var (endpoint, identity) in _identities)
        {
            IServer server = multiplexer.GetServer(endpoint);
            if (!identity.Replica && server.IsConnected)
            {
                // EVAL sent to this endpoint by name, whatever StackExchange.Redis thinks its role is
                copies.Add(server.ExecuteAsync("EVAL", [ReplaceScript, 1, key, .. args.Select(static a => (object)a)]).WaitAsync(cancellationToken));
            }
        }

        try
        {
            await Task.WhenAll(copies).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or OperationCanceledException)
        {
            // best effort: the routed copy succeeded; a copy refused by a primary demoted meanwhile is not needed
        }
    }

    // StackExchange.Redis sends EVALSHA once the script is known and resends it by itself after NOSCRIPT (SCRIPT FLUSH, a restart)
    private async Task<RedisResult> EvaluateAsync(string script, string key, RedisValue[] args, CancellationToken cancellationToken)
    {
        var db = await GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await ReplyAsync(db.ScriptEvaluateAsync(script, [key], args), cancellationToken).ConfigureAwait(false);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("READONLY", StringComparison.Ordinal))
        {
            // the node we write to was demoted: look for the new primary now rather than at the next configuration check
            OnDemotionSeen(db.Multiplexer);
            throw;
        }
    }

    /// <summary>At most once a second: re-reads the topology (a listed endpoint may be the new primary) and the roles.</summary>
    private void OnDemotionSeen(IConnectionMultiplexer multiplexer)
    {
        long now = _time.GetTimestamp();
        long last = Volatile.Read(ref _demotionSeenAt);
        if ((last != 0 && _time.GetElapsedTime(last, now) < TimeSpan.FromSeconds(1)) || Interlocked.CompareExchange(ref _demotionSeenAt, now, last) != last
            || multiplexer is not ConnectionMultiplexer connection)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await connection.ConfigureAsync().WaitAsync(_roleTimeout, _time).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // best effort: the periodic configuration check still runs
            }

            RequestRoleRefresh(connection);
        });
    }

    /// <summary>What one endpoint reported: its role and its run id (<see langword="null"/> when INFO is refused).</summary>
    private readonly record struct ServerIdentity(bool Replica, string? RunId);
}
