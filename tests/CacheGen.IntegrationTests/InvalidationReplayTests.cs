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
    private static readonly CachedMethod s_other = new("replay-other", "Replay.Other", 300, "fp-replay-other");
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
        int writeBacksBefore = cache.WriteBacks(fullKey);
        string next = await GetAsync();

        // the miss may return before its write-back landed (the 250 ms budget on a loaded machine): wait for it, so the
        // next call finds the entry the replay let through, or fails showing why not
        await cache.WaitForWriteBackAsync(fullKey, writeBacksBefore);
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

    [RedisFact]
    public async Task Overflow_WithL1_ThisProcessServesNoL1CopyAndTheOthersDropTheirsOnceItLands()
    {
        // arrange (default options, L1 on): A reaches Redis through the proxy and queues at most one invalidation; B is
        // another process on the same Redis and prefix; both hold k0..k2 = v1 in L1
        using var server = new RedisServerFixture();
        using var proxy = new ChaosProxy(server.EndPoint);
        string prefix = TestCache.NewPrefix();
        using var a = await TestCache.CreateAsync(proxy.Configuration, o => { o.KeyPrefix = prefix; o.MaxPendingInvalidations = 1; });
        using var b = await TestCache.CreateAsync(server.Configuration, o => o.KeyPrefix = prefix);
        string source = "v1";
        string[] keys = ["k0", "k1", "k2"];
        var warming = Stopwatch.StartNew();
        while (!a.Client.Backplane!.IsSynced || !b.Client.Backplane!.IsSynced || a.Client.L1!.Count < 3 || b.Client.L1!.Count < 3)
        {
            // a store operation that passed its timeout on a loaded machine leaves a key out of L1: call again
            Assert.True(warming.Elapsed < TimeSpan.FromSeconds(20), "the keys never reached both L1s");
            foreach (string key in keys)
            {
                Assert.Equal("v1", await a.GetAsync(s_method, key, () => source));
                Assert.Equal("v1", await b.GetAsync(s_method, key, () => source));
            }
        }

        // act: A is cut off; k0's invalidation is queued, k1's overflows (queued as the namespace's)
        proxy.Mode = ChaosMode.Reset;
        source = "v2";
        await a.Client.InvalidateKeyAsync("replay", "k0");
        await a.Client.InvalidateKeyAsync("replay", "k1");

        // until the circuit opens, when L1 serves while the store is down (L1:ServeWhileStoreDown, on by default): only
        // the queued invalidations keep A from serving its copies then
        var opening = Stopwatch.StartNew();
        for (int i = 0; a.Client.CircuitState != CircuitState.Open; i++)
        {
            Assert.True(opening.Elapsed < TimeSpan.FromSeconds(10), "the circuit did not open");
            // (another namespace: reads in this one bypass the store while the widened invalidation is queued)
            Assert.Equal("cold", await a.GetAsync(s_other, "cold" + i, () => "cold"));
        }

        string[] aWhileCut = [await a.GetAsync(s_method, "k0", () => source), await a.GetAsync(s_method, "k1", () => source), await a.GetAsync(s_method, "k2", () => source)];
        proxy.Mode = ChaosMode.Pass;
        await WaitForNoPendingAsync(a);

        // B drops its L1 copies when A's replay publishes the namespace's invalidation (within the documented window)
        var landed = Stopwatch.StartNew();
        string[] bAfter;
        while (true)
        {
            bAfter = [await b.GetAsync(s_method, "k0", () => source), await b.GetAsync(s_method, "k1", () => source), await b.GetAsync(s_method, "k2", () => source)];
            if (bAfter.All(v => v == "v2") || landed.Elapsed > TimeSpan.FromSeconds(3))
            {
                break;
            }

            await Task.Delay(10);
        }

        // assert: A never served its L1 copy of anything the overflowed invalidation covers (k2 was never invalidated by
        // key: only the widened namespace covers it); B serves v2 for all three after the replay
        output.WriteLine($"B saw v2 {landed.ElapsedMilliseconds} ms after A's queue emptied; A {a.Client.GetStatistics()}");
        Assert.Equal(["v2", "v2", "v2"], aWhileCut);
        Assert.Equal(["v2", "v2", "v2"], bAfter);
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
