using CacheGen.Runtime.Tests.Infrastructure;

namespace CacheGen.Runtime.Tests;

/// <summary><see cref="ICacheAdmin.GetStatisticsAsync"/>: local counters plus the store's own figures.</summary>
public sealed class StatisticsTests
{
    [Fact]
    public async Task GetStatisticsAsync_MemoryStore_LeavesTheRedisFiguresNull()
    {
        // arrange
        using var h = new CacheHarness(chaos: false);
        await h.GetAsync(new Source());

        // act
        var stats = await h.Client.GetStatisticsAsync();

        // assert
        Assert.Equal(h.Client.GetStatistics(), stats);
        Assert.Equal((0L, 1L), (stats.Hits, stats.Misses));
        Assert.Null(stats.RedisKeyspaceHits);
        Assert.Null(stats.RedisKeyspaceMisses);
        Assert.Null(stats.RedisUsedMemoryBytes);
        Assert.Null(stats.RedisConnectedClients);
    }

    [Fact]
    public async Task GetStatisticsAsync_StoreWithInfo_AddsItsFigures()
    {
        // arrange
        using var h = new CacheHarness();
        h.Chaos.ServerInfo = new CacheStoreServerInfo(KeyspaceHits: 10, KeyspaceMisses: 4, UsedMemoryBytes: 1_048_576, ConnectedClients: 3);
        var source = new Source();
        await h.GetAsync(source);
        await h.GetAsync(source);

        // act
        var stats = await h.Client.GetStatisticsAsync();

        // assert
        Assert.Equal((1L, 1L, 0.5), (stats.Hits, stats.Misses, stats.HitRate));
        Assert.Equal((10L, 4L, 1_048_576L, 3L), (stats.RedisKeyspaceHits, stats.RedisKeyspaceMisses, stats.RedisUsedMemoryBytes, stats.RedisConnectedClients));
        Assert.Null(h.Client.GetStatistics().RedisKeyspaceHits);
    }

    [Fact]
    public async Task GetStatisticsAsync_StoreFails_ReturnsTheLocalFigures_WithoutAnErrorOrABreakerFailure()
    {
        // arrange
        using var h = new CacheHarness(o => o.BreakerFailureThreshold = 1);
        h.Chaos.ServerInfo = new CacheStoreServerInfo(1, 1, 1, 1);
        h.Chaos.FailNext(1);

        // act
        var stats = await h.Client.GetStatisticsAsync();

        // assert
        Assert.Null(stats.RedisKeyspaceHits);
        Assert.Equal(0, stats.Errors);
        Assert.Equal(CircuitState.Closed, stats.CircuitState);
        Assert.Contains(h.Logger.Collector.GetSnapshot(), e => e.Id.Name == "ServerInfoUnavailable" && e.Level == Microsoft.Extensions.Logging.LogLevel.Debug);
    }

    [Fact]
    public async Task GetStatisticsAsync_CircuitOpen_DoesNotAskTheStore()
    {
        // arrange
        using var h = new CacheHarness(o => o.BreakerFailureThreshold = 1);
        h.Chaos.FailNext(1);
        await h.GetAsync(new Source());

        // act
        var stats = await h.Client.GetStatisticsAsync();

        // assert
        Assert.Equal(CircuitState.Open, stats.CircuitState);
        Assert.Equal(0, h.Chaos.ServerInfoReads);
        Assert.Null(stats.RedisUsedMemoryBytes);
    }

    [Fact]
    public void CacheStatistics_PositionalConstruction_StillCompiles_WithNullRedisFigures()
    {
        var stats = new CacheStatistics(1, 2, 3, CircuitState.Closed, 0, "custom");

        Assert.Null(stats.RedisConnectedClients);
        Assert.False(stats.ReadOnly);
        Assert.Equal(5, (stats with { RedisConnectedClients = 5 }).RedisConnectedClients);
    }
}
