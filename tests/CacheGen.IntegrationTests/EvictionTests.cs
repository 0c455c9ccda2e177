using System.Diagnostics;
using System.Globalization;
using CacheGen.IntegrationTests.Infrastructure;

namespace CacheGen.IntegrationTests;

/// <summary>
/// docs/design.md S24: stamps and tombstones may be evicted; their absence must read as "invalidated", never as "never
/// invalidated". 20,000 entries (half invalidated by namespace, half by tag) are written, invalidated, then read under
/// <c>maxmemory</c> at 80% of the data with each eviction policy: no read may return a value from before the invalidation.
/// </summary>
[Collection(FaultCollection.Name)]
[Trait("Category", "Fault")]
public sealed class EvictionTests(ITestOutputHelper output)
{
    private const int Entries = 20_000;
    private static readonly CachedMethod s_byNamespace = new("evict-ns", "Evict.ByNamespace", 3600, "fp-evict");
    private static readonly CachedMethod s_byTag = new("evict-tag", "Evict.ByTag", 3600, "fp-evict");
    private static readonly string s_padding = new('x', 200);

    [RedisTheory]
    [InlineData("allkeys-lru")]
    [InlineData("allkeys-lfu")]
    [InlineData("volatile-lru")]
    [InlineData("noeviction")]
    public async Task InvalidatedEntries_UnderMemoryPressure_AreNeverReadStale(string policy)
    {
        // arrange: 20,000 entries of generation 1, then every one invalidated (namespace / 50 tags)
        using var server = RedisServerFixture.Start("--maxmemory-policy", policy);
        using var cache = await TestCache.CreateAsync(server.Configuration, o => o.OperationTimeoutMs = 2000);
        await ForAllAsync(i => cache.GetAsync(Method(i), Key(i), () => Value(1, i), Tags(i)));
        long usedBefore = await UsedMemoryAsync(server);
        await cache.Client.InvalidateNamespaceAsync(s_byNamespace.Namespace);
        for (int t = 0; t < 50; t++)
        {
            await cache.Client.InvalidateTagAsync("t" + t.ToString(CultureInfo.InvariantCulture));
        }

        // act: memory capped at 80% of the data, then every entry read twice (generation 2 is the truth now)
        (await server.ExecuteAsync("CONFIG", "SET", "maxmemory", (usedBefore * 8 / 10).ToString(CultureInfo.InvariantCulture))).EnsureSuccess();
        int stale = 0;
        var watch = Stopwatch.StartNew();
        var first = cache.Client.GetStatistics();
        await ForAllAsync(async i =>
        {
            string value = await cache.GetAsync(Method(i), Key(i), () => Value(2, i), Tags(i));
            if (value != Value(2, i))
            {
                Interlocked.Increment(ref stale);
            }
        });
        var second = cache.Client.GetStatistics();
        await ForAllAsync(async i =>
        {
            string value = await cache.GetAsync(Method(i), Key(i), () => Value(2, i), Tags(i));
            if (value != Value(2, i))
            {
                Interlocked.Increment(ref stale);
            }
        });
        var third = cache.Client.GetStatistics();
        var evicted = (await server.ExecuteAsync("INFO", "stats")).EnsureSuccess().Text.Split('\n').First(l => l.StartsWith("evicted_keys:", StringComparison.Ordinal)).Trim();

        // assert
        output.WriteLine($"{policy}: maxmemory {usedBefore * 8 / 10} of {usedBefore} bytes used; {evicted}; stale {stale}; "
            + $"pass 1 hits {second.Hits - first.Hits}, pass 2 hits {third.Hits - second.Hits} of {Entries} (hit rate {(third.Hits - second.Hits) / (double)Entries:P1}); "
            + $"errors {third.Errors}; {watch.ElapsedMilliseconds} ms");
        Assert.Equal(0, stale);
    }

    [RedisFact]
    public async Task StampDeletedByHand_EntryWrittenBeforeIsAMiss()
    {
        // arrange: an entry written before any invalidation of its namespace, then its stamp and the epoch deleted.
        // The Redis level's rule (a lost stamp reads as "invalidated at an unknown time"); with L1 on, a process holding
        // the value hears of real invalidations on the backplane and does not read the stamps (docs/design.md)
        using var server = RedisServerFixture.Start();
        // a generous operation timeout: each miss then returns only once its write-back landed, so every read below
        // finds what the previous one wrote (with 250 ms a loaded machine returned the first miss before its write-back,
        // and the second read missed: "not cached"), and the misses asserted are the stamps' doing
        using var cache = await TestCache.CreateAsync(server.Configuration, o => { o.L1.Enabled = false; o.OperationTimeoutMs = 5000; });
        await cache.GetAsync(s_byNamespace, "k", () => "old");
        Assert.Equal("old", await cache.GetAsync(s_byNamespace, "k", () => "not cached"));

        // act
        (await server.ExecuteAsync("DEL", cache.Options.KeyPrefix + ":%ns:" + s_byNamespace.Namespace)).EnsureSuccess();
        string afterStampLoss = await cache.GetAsync(s_byNamespace, "k", () => "new");
        (await server.ExecuteAsync("DEL", cache.Options.KeyPrefix + ":%epoch")).EnsureSuccess();
        string afterEpochLoss = await cache.GetAsync(s_byNamespace, "k", () => "newer");

        // assert
        Assert.Equal(("new", "newer"), (afterStampLoss, afterEpochLoss));
    }

    private static CachedMethod Method(int i) => i % 2 == 0 ? s_byNamespace : s_byTag;

    private static string Key(int i) => "k" + i.ToString(CultureInfo.InvariantCulture);

    private static string[]? Tags(int i) => i % 2 == 0 ? null : ["t" + (i % 50).ToString(CultureInfo.InvariantCulture)];

    private static string Value(int generation, int i) => $"g{generation}-{i}-{s_padding}";

    private static async Task<long> UsedMemoryAsync(RedisServerFixture server)
    {
        string info = (await server.ExecuteAsync("INFO", "memory")).EnsureSuccess().Text;
        string line = info.Split('\n').First(l => l.StartsWith("used_memory:", StringComparison.Ordinal));
        return long.Parse(line["used_memory:".Length..].Trim(), CultureInfo.InvariantCulture);
    }

    private static Task ForAllAsync(Func<int, ValueTask> action) =>
        Parallel.ForEachAsync(Enumerable.Range(0, Entries), new ParallelOptions { MaxDegreeOfParallelism = 32 }, (i, _) => action(i));

    private static Task ForAllAsync(Func<int, ValueTask<string>> action) => ForAllAsync(async i => { await action(i); });
}
