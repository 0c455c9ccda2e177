using System.Text;
using StackExchange.Redis;

namespace CacheGen.Stores;

/// <summary>
/// The Redis <see cref="ICacheStore"/> on StackExchange.Redis. Every command touches one key, so it works on a
/// Redis Cluster unchanged; conditional writes and tombstones are single-key Lua scripts.
/// </summary>
/// <remarks>
/// StackExchange.Redis 1.2.6 has no async timeout: every await is bounded by the caller's token
/// (<see cref="Task.WaitAsync(CancellationToken)"/>), which carries the client's operation timeout.
/// </remarks>
public sealed class RedisCacheStore : ICacheStore, IDisposable
{
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

    // DEL first: when Redis is out of memory (noeviction) the SET fails, but the key is gone
    private const string ReplaceScript = "redis.call('DEL', KEYS[1]) redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1";

    private readonly Lazy<Task<ConnectionMultiplexer>> _connection;
    private readonly int _database;

    /// <summary>Creates the store; it connects on first use, in the background, and reconnects by itself.</summary>
    public RedisCacheStore(ConfigurationOptions configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        _database = configuration.DefaultDatabase ?? 0;
        var config = configuration.Clone();
        _connection = new(() => ConnectAsync(config), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <inheritdoc/>
    public string Name => "redis";

    /// <summary>Gets the multiplexer, connecting if needed. Bounded by <paramref name="cancellationToken"/>.</summary>
    public async Task<ConnectionMultiplexer> GetConnectionAsync(CancellationToken cancellationToken) =>
        await _connection.Value.WaitAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    public async ValueTask<CacheStoreReadResult> ReadAsync(string key, IReadOnlyList<string> stampKeys, CancellationToken cancellationToken)
    {
        var db = await GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var value = db.StringGetAsync(key);
        var stamps = new Task<RedisValue>[stampKeys.Count];
        for (int i = 0; i < stamps.Length; i++)
        {
            stamps[i] = db.StringGetAsync(stampKeys[i]);
        }

        byte[]? bytes;
        try
        {
            bytes = await value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal))
        {
            // a data problem of one key, not a store outage: read it as a foreign value, so it is a counted miss and is overwritten
            bytes = WrongTypeMarker;
        }

        var result = new string?[stamps.Length];
        for (int i = 0; i < stamps.Length; i++)
        {
            RedisValue stamp = await stamps[i].WaitAsync(cancellationToken).ConfigureAwait(false);
            result[i] = stamp.IsNull ? null : (string?)stamp;
        }

        return new CacheStoreReadResult(bytes, result);
    }

    /// <inheritdoc/>
    public async ValueTask<bool> WriteIfUnchangedAsync(string key, ReadOnlyMemory<byte> expectedHeader, byte[] value, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var result = await EvaluateAsync(WriteIfUnchangedScript, key, [expectedHeader.ToArray(), value, (long)ttl.TotalMilliseconds], cancellationToken).ConfigureAwait(false);
        return (long)result == 1;
    }

    /// <inheritdoc/>
    public async ValueTask RemoveAsync(string key, byte[] tombstone, TimeSpan tombstoneTtl, CancellationToken cancellationToken) =>
        await EvaluateAsync(ReplaceScript, key, [tombstone, (long)tombstoneTtl.TotalMilliseconds], cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    public async ValueTask SetStampAsync(string stampKey, string stamp, TimeSpan ttl, CancellationToken cancellationToken) =>
        await EvaluateAsync(ReplaceScript, stampKey, [Encoding.UTF8.GetBytes(stamp), (long)ttl.TotalMilliseconds], cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_connection.IsValueCreated && _connection.Value.IsCompletedSuccessfully)
        {
            _connection.Value.Result.Dispose();
        }
    }

    private static async Task<ConnectionMultiplexer> ConnectAsync(ConfigurationOptions config)
    {
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(config).ConfigureAwait(false);

        // exception messages would otherwise carry the command's key, and keys may hold user data
        multiplexer.IncludeDetailInExceptions = false;
        return multiplexer;
    }

    private async Task<IDatabase> GetDatabaseAsync(CancellationToken cancellationToken) =>
        (await GetConnectionAsync(cancellationToken).ConfigureAwait(false)).GetDatabase(_database);

    private async Task<RedisResult> EvaluateAsync(string script, string key, RedisValue[] args, CancellationToken cancellationToken)
    {
        var db = await GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await db.ScriptEvaluateAsync(script, [key], args).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            // after SCRIPT FLUSH or a restart the cached SHA is gone; the retry sends the script again
            return await db.ScriptEvaluateAsync(script, [key], args).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
