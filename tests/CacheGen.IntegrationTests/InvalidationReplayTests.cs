using System.Diagnostics;
using CacheGen.IntegrationTests.Infrastructure;

namespace CacheGen.IntegrationTests;

/// <summary>
/// docs/design.md S13: an invalidation that cannot reach Redis is queued, keeps the client from serving the entry
/// it targets, and is replayed once Redis is reachable again.
/// </summary>
[Collection(FaultCollection.Name)]
[Trait("Category", "Fault")]
public sealed class InvalidationReplayTests(ITestOutputHelper output)
{
    private static readonly CachedMethod s_method = new("replay", "Replay.Get", 300, "fp-replay");
    private static readonly TimeSpan s_replayBound = TimeSpan.FromSeconds(5);

    [RedisFact]
    public async Task InvalidateKey_WhileTheServerIsDown_IsQueuedThenReplayedAfterRestart()
    {
        // arrange
        using var server = new RedisServerFixture();
        using var cache = await CreateAsync(server.Configuration);
        string fullKey = cache.Client.GetFullKey("replay", "k");
        await cache.GetAsync(s_method, "k", () => "v1");
        server.Stop();

        // act
        await cache.Client.InvalidateKeyAsync("replay", "k");
        int pendingWhileDown = cache.Client.GetStatistics().PendingInvalidations;
        server.Restart();
        var sinceRestart = Stopwatch.StartNew();
        await WaitForNoPendingAsync(cache);

        // assert: the restart lost the entry, so the replay shows as the tombstone it wrote on the empty server
        output.WriteLine($"replayed {sinceRestart.ElapsedMilliseconds} ms after the restart; {cache.Client.GetStatistics()}");
        Assert.Equal(1, pendingWhileDown);
        Assert.True(IsTombstone(await server.GetBytesAsync(fullKey)), "the replayed invalidation left no tombstone");
    }

    [RedisFact]
    public async Task InvalidateKey_WhileTheLinkResets_IsQueuedAndReplayed()
    {
        await AssertQueuedAndReplayedAsync(ChaosMode.Reset);
    }

    [RedisFact]
    public async Task InvalidateKey_WhileTheLinkIsBlackholed_IsQueuedAndReplayed()
    {
        await AssertQueuedAndReplayedAsync(ChaosMode.Blackhole);
    }

    private async Task AssertQueuedAndReplayedAsync(ChaosMode fault)
    {
        // arrange: the client reaches Redis through the proxy; the test sees Redis directly
        using var server = new RedisServerFixture();
        using var proxy = new ChaosProxy(server.EndPoint);
        using var cache = await CreateAsync(proxy.Configuration);
        string fullKey = cache.Client.GetFullKey("replay", "k");
        string source = "v1";
        int factoryRuns = 0;
        ValueTask<string> GetAsync() => cache.GetAsync(s_method, "k", () =>
        {
            factoryRuns++;
            return source;
        });
        Assert.Equal("v1", await GetAsync());
        Assert.True(await server.ExistsAsync(fullKey));

        // act: cut the link, change the source, invalidate
        proxy.Mode = fault;
        source = "v2";
        var clock = Stopwatch.StartNew();
        await cache.Client.InvalidateKeyAsync("replay", "k");
        long invalidateMs = clock.ElapsedMilliseconds;
        int pendingDuringFault = cache.Client.GetStatistics().PendingInvalidations;
        bool entryStillInRedis = !IsTombstone(await server.GetBytesAsync(fullKey));

        // while the invalidation is pending the stale entry is not served, even if Redis answers again
        string duringFault = await GetAsync();
        proxy.Mode = ChaosMode.Pass;
        string beforeReplay = await GetAsync();
        var sinceHeal = Stopwatch.StartNew();
        await WaitForNoPendingAsync(cache);
        long replayMs = sinceHeal.ElapsedMilliseconds;
        bool tombstone = IsTombstone(await server.GetBytesAsync(fullKey));
        int runsBeforeNext = factoryRuns;
        string next = await GetAsync();
        string cached = await GetAsync();

        // assert
        output.WriteLine($"{fault}: invalidate returned in {invalidateMs} ms, replayed {replayMs} ms after the link healed; proxy accepted {proxy.AcceptedConnections}, reset {proxy.ResetConnections}; {cache.Client.GetStatistics()}");
        Assert.Equal(1, pendingDuringFault);
        Assert.True(entryStillInRedis, "the invalidation reached Redis through the broken link");
        Assert.Equal("v2", duringFault);
        Assert.Equal("v2", beforeReplay);
        Assert.True(tombstone, "the replay left no tombstone");
        Assert.Equal("v2", next);
        Assert.Equal(runsBeforeNext + 1, factoryRuns);
        Assert.Equal("v2", cached);
        Assert.Equal(runsBeforeNext + 1, factoryRuns);
    }

    private static async Task WaitForNoPendingAsync(TestCache cache)
    {
        var clock = Stopwatch.StartNew();
        while (cache.Client.GetStatistics().PendingInvalidations > 0)
        {
            Assert.True(clock.Elapsed < s_replayBound, $"the invalidation was still pending after {s_replayBound.TotalSeconds} s: {cache.Client.GetStatistics()}");
            await Task.Delay(20);
        }
    }

    private static bool IsTombstone(byte[]? raw) => raw is [(byte)'C', (byte)'G', 2, ..];

    private static Task<TestCache> CreateAsync(string connection) =>
        TestCache.CreateAsync(connection, o =>
        {
            o.OperationTimeoutMs = 250;
            o.BreakDurationSeconds = 1;
        });
}
