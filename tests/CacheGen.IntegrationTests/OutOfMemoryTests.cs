using CacheGen.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace CacheGen.IntegrationTests;

/// <summary>docs/design.md S7: Redis at maxmemory with noeviction refuses writes but serves reads.</summary>
[Trait("Category", "Fault")]
public sealed class OutOfMemoryTests
{
    private static readonly CachedMethod s_method = new("oom", "Oom.Get", 300, "fp-oom");

    [RedisFact]
    public async Task NoEvictionAtMaxMemory_WarmKeysStillHit_BreakerStaysClosed_KeyInvalidationStillRemoves()
    {
        // arrange: 10 warm keys, then a server that refuses every write
        using var server = RedisServerFixture.Start();
        using var cache = await TestCache.CreateAsync(server.Configuration);
        for (int i = 0; i < 10; i++)
        {
            await cache.GetAsync(s_method, "warm" + i, () => i);
        }

        // the keys are warm once Redis holds their entries (envelope kind 1). On a loaded machine a warm-up read or
        // reservation may time out (a miss without a write-back), or the write-back outlive its caller's budget and
        // land in the background: call again for the keys not written yet
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            var missing = await UnwrittenAsync(server, cache);
            if (missing.Count == 0)
            {
                break;
            }

            await Task.Delay(50);
            foreach (int i in missing)
            {
                await cache.GetAsync(s_method, "warm" + i, () => i);
            }
        }

        long hitsBefore = cache.Client.GetStatistics().Hits;

        Assert.Equal("OK", await server.RunAsync("CONFIG", "SET", "maxmemory-policy", "noeviction"));
        Assert.Equal("OK", await server.RunAsync("CONFIG", "SET", "maxmemory", "1"));

        // act: 100 warm reads, then cold misses whose write-backs are refused
        int wrong = 0;
        for (int round = 0; round < 10; round++)
        {
            for (int i = 0; i < 10; i++)
            {
                wrong += await cache.GetAsync(s_method, "warm" + i, () => -1) == i ? 0 : 1;
            }

        }

        // 30 concurrent cold misses: their reads succeed together, then 30 refused write-backs come in a row,
        // which a breaker counting them as failures would take for an outage
        int[] cold = await Task.WhenAll(Enumerable.Range(0, 30).Select(key => cache.GetAsync(s_method, "cold" + key, () => key).AsTask()));
        wrong += cold.Where((value, key) => value != key).Count();

        var stats = cache.Client.GetStatistics();

        // act: invalidating a key under OOM still works: the script's DEL frees the room its tombstone SET needs
        await cache.Client.InvalidateKeyAsync("oom", "warm0");
        byte[]? raw = await server.GetBytesAsync(cache.Client.GetFullKey("oom", "warm0"));

        // assert
        Assert.Equal(0, wrong);
        Assert.Equal(100, stats.Hits - hitsBefore);
        Assert.Equal(CircuitState.Closed, stats.CircuitState);
        Assert.True(stats.Errors >= 30, $"the refused write-backs were not counted: {stats}");
        Assert.NotNull(raw);
        Assert.Equal([(byte)'C', (byte)'G', (byte)2], raw![..3]);
        // nothing stays queued: an invalidation whose reply was late under load is queued and replayed, and the replay
        // must land under OOM too (one the server refused would stay queued)
        var drainBy = DateTime.UtcNow.AddSeconds(10);
        while (cache.Client.GetStatistics().PendingInvalidations != 0 && DateTime.UtcNow < drainBy)
        {
            await Task.Delay(50);
        }

        Assert.Equal(0, cache.Client.GetStatistics().PendingInvalidations);
        Assert.Equal(-1, await cache.GetAsync(s_method, "warm0", () => -1));

        // one Warning for the whole episode, though reads kept succeeding in between
        Assert.Single(cache.Logger.Collector.GetSnapshot(), e => e.Level == LogLevel.Warning && e.Message.Contains("write_rejected", StringComparison.Ordinal));
    }

    private static async Task<List<int>> UnwrittenAsync(RedisServerFixture server, TestCache cache)
    {
        var missing = new List<int>();
        for (int i = 0; i < 10; i++)
        {
            if (await server.GetBytesAsync(cache.Client.GetFullKey("oom", "warm" + i)) is not [(byte)'C', (byte)'G', 1, ..])
            {
                missing.Add(i);
            }
        }

        return missing;
    }
}
