using CacheGen.IntegrationTests.Infrastructure;

namespace CacheGen.IntegrationTests;

/// <summary><see cref="ICacheAdmin.GetStatisticsAsync"/> against a real Redis: the seeds' Redis-side figures.</summary>
[Collection(RedisCollection.Name)]
public sealed class StatisticsRedisTests(ITestOutputHelper output)
{
    private static readonly CachedMethod s_method = new("stats", "Stats.Get", 60, "fp");

    [RedisFact]
    public async Task GetStatisticsAsync_ReportsKeyspaceHitsMissesMemoryAndClients()
    {
        // arrange: a server of our own, so the figures move only with this test
        using var server = RedisServerFixture.Start();
        // Redis's own counters: the hit must reach Redis, so the in-process level is off
        using var cache = await TestCache.CreateAsync(server.Configuration, o => { o.OperationTimeoutMs = 5000; o.L1.Enabled = false; });
        var before = await cache.Client.GetStatisticsAsync();

        // act: a miss (GET entry, epoch and stamp, both then created; the reservation's TYPE finds nothing), the
        // write-back (its TYPE and GETRANGE find the reservation), then a hit (entry, epoch and stamp found)
        await cache.GetAsync(s_method, "k", () => "v");
        await cache.GetAsync(s_method, "k", () => "not called");
        var after = await cache.Client.GetStatisticsAsync();

        // assert
        output.WriteLine($"before: {before}");
        output.WriteLine($"after:  {after}");
        Assert.NotNull(before.RedisKeyspaceHits);
        Assert.Equal(5, after.RedisKeyspaceHits - before.RedisKeyspaceHits);
        Assert.True(after.RedisKeyspaceMisses - before.RedisKeyspaceMisses >= 3, "a miss reads the entry, the epoch and a stamp");
        Assert.InRange(after.RedisUsedMemoryBytes!.Value, 100_000, 1L << 40);
        Assert.InRange(after.RedisConnectedClients!.Value, 2, 100);
        Assert.Equal((1L, 1L, 0L), (after.Hits, after.Misses, after.Errors));
        Assert.Null(cache.Client.GetStatistics().RedisKeyspaceHits);
    }

    [RedisFact]
    public async Task GetStatisticsAsync_RedisDown_ReturnsLocalFiguresWithoutError()
    {
        // arrange
        using var server = RedisServerFixture.Start();
        using var cache = await TestCache.CreateAsync(server.Configuration, o => o.OperationTimeoutMs = 250);
        server.Stop();

        // act
        var stats = await cache.Client.GetStatisticsAsync();

        // assert
        Assert.Null(stats.RedisUsedMemoryBytes);
        Assert.Equal(0, stats.Errors);
        Assert.Equal(CircuitState.Closed, stats.CircuitState);
    }
}
