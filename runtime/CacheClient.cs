using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using CacheGen.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CacheGen;

/// <summary>
/// The <see cref="ICacheClient"/>: keys, single-flight, conditional write-back, timeout and circuit breaker,
/// metrics and logs, over an <see cref="ICacheStore"/>. Also the <see cref="ICacheAdmin"/> of operators.
/// </summary>
public sealed partial class CacheClient : ICacheClient, ICacheAdmin, IDisposable
{
    private readonly ICacheStore _store;
    private readonly ICacheStoreInfo? _storeInfo;
    private readonly ICacheSerializer _serializer;
    private readonly CacheGenOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly StoreAccessor _access;
    private readonly CacheMetrics _metrics;
    private readonly ConcurrentDictionary<string, object> _flights = new(StringComparer.Ordinal);
    private readonly PendingInvalidations _pending;
    private readonly InvalidationJournal _journal;
    private readonly ConcurrentDictionary<string, long> _ttlsSeen = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _corruptLogged = new(StringComparer.Ordinal);
    private readonly InvalidationReplay _replay;
    private readonly Internal.IStoreConnection? _connection;
    private readonly string _prefix;
    private readonly KeyLayout _keys;
    private readonly string? _disabledReason;
    private long _hits;
    private long _misses;
    private long _errors;
    private long _adminEpoch;
    private int _readOnlyState;
    private long _longestTtlSeen;
    private int _disposed;

    /// <summary>Creates a client. <c>AddCacheGen</c> does this for you.</summary>
    public CacheClient(
        ICacheStore store,
        ICacheSerializer serializer,
        IOptions<CacheGenOptions> options,
        ILogger<CacheClient>? logger = null,
        TimeProvider? timeProvider = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(serializer);
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _storeInfo = store as ICacheStoreInfo;
        _serializer = serializer;
        _options = options.Value;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _pending = new PendingInvalidations(_options.MaxPendingInvalidations);
        _journal = new InvalidationJournal(_options.InvalidationJournalSize, _time);
        _metrics = new CacheMetrics(meterFactory, () => _pending.Count, () => IsReadOnly);
        _prefix = string.IsNullOrEmpty(_options.Version) ? _options.KeyPrefix : _options.KeyPrefix + ":" + _options.Version;
        _keys = new KeyLayout(_prefix);
        _access = new StoreAccessor(store, _options, _logger, _time, _metrics, _keys.Probe);
        _disabledReason = (store as Stores.UnavailableCacheStore)?.Reason;
        _connection = store as Internal.IStoreConnection;
        _replay = new InvalidationReplay(_pending, _journal, inv => ApplyAsync(inv, CancellationToken.None), _connection, _options, _logger, _time);

        // connect at start-up, in the background: the first read must not pay the connect inside its timeout
        if (store is Stores.RedisCacheStore redis)
        {
            redis.WarmUp ??= _access.WarmUpAsync;
            redis.StartConnecting();
        }
        StartL1();
        Log.StoreSelected(_logger, store.Name, _prefix);
    }

    /// <summary>Gets the state of the circuit breaker.</summary>
    public CircuitState CircuitState => _access.State;

    /// <summary>Gets whether the store refused the credentials since the circuit last closed (health: Unhealthy).</summary>
    public bool AuthenticationFailed => _access.AuthenticationFailed;

    /// <summary>Gets why the cache is off for good (an invalid Redis configuration), or <see langword="null"/>.</summary>
    public string? DisabledReason => _disabledReason;

    /// <summary>
    /// Gets whether the store's first connect is still under way (calls are served uncached until it completes), or the
    /// warm-up after it (calls use the store; readiness and statistics wait for it).
    /// </summary>
    internal bool Connecting => _connection?.FirstConnectPending == true || (_store as Stores.RedisCacheStore)?.WarmingUp == true;

    /// <summary>Gets the full Redis key of <paramref name="key"/> in <paramref name="namespace"/>: <c>{prefix}:{namespace}:{key}</c>.</summary>
    public string GetFullKey(string @namespace, string key) => _keys.FullKey(@namespace, key);

    /// <summary>Gets whether write-backs are skipped now: <see cref="CacheGenOptions.ReadOnly"/> is set or the store reports a replica.</summary>
    public bool IsReadOnly => _options.ReadOnly || _storeInfo?.IsReadOnly == true;

    /// <inheritdoc/>
    public CacheStatistics GetStatistics() => new(
        Interlocked.Read(ref _hits) + _l1Hits.Read(),
        Interlocked.Read(ref _misses),
        Interlocked.Read(ref _errors) + _access.Errors,
        _access.State,
        _pending.Count,
        _store.Name)
    {
        ReadOnly = IsReadOnly,
    };

    /// <inheritdoc/>
    /// <remarks>
    /// Invalidations still queued are sent first, for at most <see cref="CacheGenOptions.DisposeFlushTimeoutMs"/>; what
    /// cannot be sent is logged (Error).
    /// </remarks>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _replay.Dispose();
        _access.Dispose();
        StopL1();
        if (_disabledReason is null)
        {
            _replay.FlushOnDispose();
        }

        _metrics.Dispose();
    }

    private bool IsEnabled(string @namespace) =>
        _options.Enabled && _disabledReason is null
        && (!_options.Namespaces.TryGetValue(@namespace, out var ns) || ns.Enabled);

    /// <summary>As <see cref="IsEnabled(string)"/>, and whether L1 is on for the namespace (as <see cref="L1On"/>), from one lookup of its options: a call's entry asks both.</summary>
    private bool IsEnabled(string @namespace, out bool l1On)
    {
        bool found = _options.Namespaces.TryGetValue(@namespace, out var ns);
        l1On = found && ns!.L1 is bool on ? on : _options.L1.Enabled;
        return _options.Enabled && _disabledReason is null && (!found || ns!.Enabled);
    }

    /// <summary>
    /// Whether write-backs are skipped now (<see cref="ReadOnlyState.Writes"/>) and whether the store itself takes no
    /// writes (<see cref="ReadOnlyState.Store"/>). Logs each change once: a Warning on entering, Information on leaving.
    /// </summary>
    private ReadOnlyState CheckReadOnly()
    {
        bool store = _storeInfo?.IsReadOnly == true;
        bool writes = store || _options.ReadOnly;
        int next = writes ? 1 : 0;
        if (Volatile.Read(ref _readOnlyState) != next && Interlocked.Exchange(ref _readOnlyState, next) != next)
        {
            if (writes)
            {
                Log.StoreReadOnly(_logger, store ? (_storeInfo as Stores.RedisCacheStore)?.ReadOnlyReason ?? Stores.RedisTopologyAdvice.ConnectedToReplica : "the ReadOnly option is set");
            }
            else
            {
                Log.StoreWritable(_logger);
            }
        }

        return new ReadOnlyState(writes, store);
    }

    // the key layout (Internal/KeyLayout.cs), under the names the partial files use
    private const int StampsOffset = KeyLayout.StampsOffset;

    private string EpochKey => _keys.Epoch;

    private static string ScopeStamp(string?[] stamps) => KeyLayout.ScopeStamp(stamps);

    /// <summary>
    /// How long a stamp created on a read lives: twice the entry's TTL, at least an hour. Stamps need not outlive the
    /// entries that recorded them (a missing stamp is a miss, never a stale hit), so unused stamps, such as a tag per
    /// rack id, do not accumulate.
    /// </summary>
    private TimeSpan StampTtl(CachedMethod method)
    {
        double seconds = Math.Max(2 * EntryTtl(method).TotalSeconds, 3600);
        return TimeSpan.FromSeconds(Math.Min(seconds, CacheGenDefaults.MaxTtlSeconds));
    }

    private string NamespaceStampKey(string @namespace) => _keys.NamespaceStamp(@namespace);

    private string TagStampKey(string tag) => _keys.TagStamp(tag);

    private static string NewStamp() => KeyLayout.NewStamp();

    /// <summary>The TTL an entry of <paramref name="method"/> is written with, before jitter: the namespace's override, else the method's.</summary>
    private double BaseTtlSeconds(CachedMethod method) =>
        _options.Namespaces.TryGetValue(method.Namespace, out var ns) && ns.TtlSeconds is int s ? s : method.Ttl.TotalSeconds;

    private TimeSpan EntryTtl(CachedMethod method)
    {
        int seconds = (int)BaseTtlSeconds(method);
        double jittered = seconds * (_options.TtlJitter > 0 ? 1 + (Random.Shared.NextDouble() * _options.TtlJitter) : 1);

        // capped after the jitter: invalidation stamps (MaxTtlSeconds) must outlive every entry that recorded an older stamp
        var ttl = TimeSpan.FromSeconds(Math.Clamp(jittered, 1, CacheGenDefaults.MaxTtlSeconds - (24 * 3600)));
        ObserveTtl(method.Namespace, ttl);
        return ttl;
    }

    private readonly record struct ReadOnlyState(bool Writes, bool Store);
}
