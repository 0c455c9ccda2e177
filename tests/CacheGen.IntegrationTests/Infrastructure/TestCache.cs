using CacheGen.Stores;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CacheGen.IntegrationTests.Infrastructure;

/// <summary>
/// A <see cref="CacheClient"/> over a <see cref="RedisCacheStore"/>, built by hand as <c>AddCacheGen</c> would,
/// with a random key prefix unless one is given, so tests on a shared server never see each other's keys.
/// </summary>
internal sealed class TestCache : IDisposable
{
    private TestCache(CacheGenOptions options, RedisCacheStore store, CacheClient client, FakeLogger<CacheClient> logger)
    {
        Options = options;
        Store = store;
        Client = client;
        Logger = logger;
    }

    public CacheGenOptions Options { get; }

    public RedisCacheStore Store { get; }

    public CacheClient Client { get; }

    /// <summary>Gets every log entry the client wrote, Debug included.</summary>
    public FakeLogger<CacheClient> Logger { get; }

    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N");

    /// <summary>Creates the cache and, unless <paramref name="connect"/> is false, waits until the store is connected.</summary>
    /// <param name="connection">The Redis connection string or URL.</param>
    /// <param name="configure">Changes to the options; the prefix is random before it runs.</param>
    /// <param name="connect">Whether to connect now, so that the first call does not spend its operation timeout connecting.</param>
    public static async Task<TestCache> CreateAsync(string connection, Action<CacheGenOptions>? configure = null, bool connect = true)
    {
        var options = new CacheGenOptions { KeyPrefix = NewPrefix() };
        configure?.Invoke(options);
        var store = new RedisCacheStore(RedisConnectionSettings.Parse(connection, options));
        var logger = new FakeLogger<CacheClient>();
        var client = new CacheClient(store, new SystemTextJsonCacheSerializer(), Microsoft.Extensions.Options.Options.Create(options), logger);
        var cache = new TestCache(options, store, client, logger);
        if (connect)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var multiplexer = await store.GetConnectionAsync(timeout.Token);
            while (!multiplexer.IsConnected)
            {
                await Task.Delay(10, timeout.Token);
            }

            // the first connect ends after the client's warm-up on it; until then calls are served without the cache
            while (client.Connecting)
            {
                await Task.Delay(5, timeout.Token);
            }
        }

        return cache;
    }

    /// <summary>Counts the write-backs of <paramref name="fullKey"/> that landed so far (its <c>CacheSet</c> events, id 3).</summary>
    public int WriteBacks(string fullKey)
    {
        string quoted = "'" + fullKey + "'";
        return Logger.Collector.GetSnapshot().Count(e => e.Id.Id == 3 && e.Message.Contains(quoted, StringComparison.Ordinal));
    }

    /// <summary>
    /// Waits until a write-back of <paramref name="fullKey"/> has landed after the <paramref name="writeBacksBefore"/>
    /// counted before the miss (<see cref="WriteBacks"/>): its <c>CacheSet</c> (event 3), which the client logs once Redis
    /// accepted the entry. A miss waits for its write-back only what is left of its operation timeout (250 ms by default)
    /// and the write goes on in the background after that, so on a loaded machine the call can return before the entry is
    /// in Redis: a test that needs it there waits for this instead of assuming it.
    /// </summary>
    /// <param name="fullKey">The entry's full key (<see cref="CacheClient.GetFullKey"/>).</param>
    /// <param name="writeBacksBefore">The write-backs of the key counted before the miss.</param>
    /// <param name="bound">How long to wait; 10 s by default.</param>
    public async Task WaitForWriteBackAsync(string fullKey, int writeBacksBefore = 0, TimeSpan? bound = null)
    {
        var limit = bound ?? TimeSpan.FromSeconds(10);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        string quoted = "'" + fullKey + "'";
        while (WriteBacks(fullKey) <= writeBacksBefore)
        {
            if (waited.Elapsed > limit)
            {
                var log = Logger.Collector.GetSnapshot().Where(e => e.Message.Contains(quoted, StringComparison.Ordinal) || e.Level >= LogLevel.Warning)
                    .Select(e => $"{e.Level} {e.Id.Id}/{e.Id.Name}: {e.Message} {e.Exception?.GetType().Name} {e.Exception?.Message}");
                throw new Xunit.Sdk.XunitException($"no write-back of {fullKey} landed within {limit.TotalSeconds} s (after {writeBacksBefore}); {Client.GetStatistics()}; log: {string.Join(" | ", log)}");
            }

            await Task.Delay(5);
        }
    }

    /// <summary>Calls <see cref="CacheClient.GetOrSetAsync{TState, T}"/> with a synchronous factory.</summary>
    public ValueTask<T> GetAsync<T>(CachedMethod method, string key, Func<T> factory, string[]? tags = null) =>
        Client.GetOrSetAsync(method, key, tags, factory, static (f, _) => new ValueTask<T>(f()));

    public void Dispose()
    {
        Client.Dispose();
        Store.Dispose();
    }
}
