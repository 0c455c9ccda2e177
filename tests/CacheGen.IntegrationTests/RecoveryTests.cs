using System.Diagnostics;
using CacheGen.IntegrationTests.Infrastructure;

namespace CacheGen.IntegrationTests;

/// <summary>
/// docs/design.md S26: with the <b>default</b> options (no shortened break), caching resumes within 1.5 s of Redis being
/// usable again after a restart, a long script (BUSY) or DEBUG SLEEP, and within 0.5 s of a CLIENT KILL. Each test
/// first makes sure the fault really opened the circuit (or, for CLIENT KILL, failed calls), so a pass is not vacuous.
/// </summary>
[Collection(FaultCollection.Name)]
[Trait("Category", "Fault")]
public sealed class RecoveryTests(ITestOutputHelper output)
{
    private static readonly CachedMethod s_method = new("recovery", "Recovery.Get", 300, "fp-recovery");

    [RedisFact]
    public async Task DefaultOptions_RestartAfterThreeSeconds_FirstHitWithinOneAndAHalfSeconds()
    {
        // arrange
        using var server = RedisServerFixture.Start();
        using var cache = await TestCache.CreateAsync(server.Configuration);
        await WarmAsync(cache);

        // act: down for 3 s with callers hitting it, then back (empty)
        server.Stop();
        var down = Stopwatch.StartNew();
        bool opened = false;
        while (down.Elapsed < TimeSpan.FromSeconds(3))
        {
            await cache.GetAsync(s_method, "k", () => "v");
            opened |= cache.Client.CircuitState != CircuitState.Closed;
            await Task.Delay(20);
        }

        server.Restart();
        var sinceRestart = Stopwatch.StartNew();
        var multiplexer = await cache.Store.GetConnectionAsync(CancellationToken.None);
        long reconnectedAt = -1;
        long closedAt = -1;
        var watcher = Task.Run(async () =>
        {
            while (sinceRestart.Elapsed < TimeSpan.FromSeconds(10) && (reconnectedAt < 0 || closedAt < 0))
            {
                if (reconnectedAt < 0 && multiplexer.IsConnected)
                {
                    reconnectedAt = sinceRestart.ElapsedMilliseconds;
                }

                if (closedAt < 0 && cache.Client.CircuitState == CircuitState.Closed)
                {
                    closedAt = sinceRestart.ElapsedMilliseconds;
                }

                await Task.Delay(5);
            }
        });
        var recovered = await TimeToFirstHitAsync(cache, TimeSpan.FromSeconds(10));
        await watcher;
        output.WriteLine($"reconnected after {reconnectedAt} ms, circuit closed after {closedAt} ms");

        // assert
        output.WriteLine($"circuit opened: {opened}; first hit {recovered.TotalMilliseconds:F0} ms after the restart; {cache.Client.GetStatistics()}");
        Assert.True(opened, "the circuit never opened while Redis was down");
        Assert.InRange(recovered, TimeSpan.Zero, TimeSpan.FromMilliseconds(1500));
    }

    [RedisFact]
    public async Task DefaultOptions_ClientKill_FirstHitWithinHalfASecond()
    {
        // arrange
        using var server = RedisServerFixture.Start();
        using var cache = await TestCache.CreateAsync(server.Configuration);
        await WarmAsync(cache);

        // act: every client connection but the fixture's is dropped
        (await server.ExecuteAsync("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")).EnsureSuccess();
        var recovered = await TimeToFirstHitAsync(cache, TimeSpan.FromSeconds(10));

        // assert
        output.WriteLine($"first hit {recovered.TotalMilliseconds:F0} ms after CLIENT KILL; {cache.Client.GetStatistics()}");
        Assert.InRange(recovered, TimeSpan.Zero, TimeSpan.FromMilliseconds(500));
    }

    [RedisFact]
    public async Task DefaultOptions_DebugSleepThreeSeconds_FirstHitWithinOneAndAHalfSecondsOfWaking()
    {
        // arrange
        using var server = RedisServerFixture.Start();

        // the Redis level's recovery: with L1 on, the warm key is served from the process while the server sleeps
        // (nothing can be invalidated through a frozen server) and never reaches the circuit
        using var cache = await TestCache.CreateAsync(server.Configuration, o => o.L1.Enabled = false);
        await WarmAsync(cache);

        // act: the server sleeps 3 s (TCP up, no replies); callers time out until the circuit opens
        var sleep = server.ExecuteAsync(TimeSpan.FromSeconds(10), "DEBUG", "SLEEP", "3");
        bool opened = false;
        while (!sleep.IsCompleted)
        {
            await cache.GetAsync(s_method, "k", () => "v");
            opened |= cache.Client.CircuitState != CircuitState.Closed;
            await Task.Delay(20);
        }

        (await sleep).EnsureSuccess();
        var recovered = await TimeToFirstHitAsync(cache, TimeSpan.FromSeconds(10));

        // assert
        output.WriteLine($"circuit opened: {opened}; first hit {recovered.TotalMilliseconds:F0} ms after the server woke; {cache.Client.GetStatistics()}");
        Assert.True(opened, "the circuit never opened while the server slept");
        Assert.InRange(recovered, TimeSpan.Zero, TimeSpan.FromMilliseconds(1500));
    }

    [RedisFact]
    public async Task DefaultOptions_BusyScriptThreeSeconds_FirstHitWithinOneAndAHalfSecondsOfTheEnd()
    {
        // arrange: BUSY replies after 100 ms of script time
        using var server = RedisServerFixture.Start("--busy-reply-threshold", "100");
        using var cache = await TestCache.CreateAsync(server.Configuration, o => o.L1.Enabled = false); // the Redis level (see above)
        await WarmAsync(cache);
        const string Busy = "local t = redis.call('TIME') local s = tonumber(t[1]) + tonumber(t[2]) / 1e6 "
            + "while true do local n = redis.call('TIME') if tonumber(n[1]) + tonumber(n[2]) / 1e6 - s > 3 then break end end return 1";

        // act
        var script = server.ExecuteAsync(TimeSpan.FromSeconds(10), "EVAL", Busy, "0");
        int probeReadsWhileBusy = 0;
        bool opened = false;
        long errorsBefore = cache.Client.GetStatistics().Errors;
        while (!script.IsCompleted)
        {
            await cache.GetAsync(s_method, "k", () => "v");
            opened |= cache.Client.CircuitState != CircuitState.Closed;
            await Task.Delay(20);
        }

        (await script).EnsureSuccess();
        probeReadsWhileBusy = (int)(cache.Client.GetStatistics().Errors - errorsBefore);
        var recovered = await TimeToFirstHitAsync(cache, TimeSpan.FromSeconds(10));

        // assert
        output.WriteLine($"circuit opened: {opened}; errors while busy {probeReadsWhileBusy}; first hit {recovered.TotalMilliseconds:F0} ms after the script ended; {cache.Client.GetStatistics()}");
        Assert.True(opened, "the circuit never opened while the script ran");
        Assert.InRange(recovered, TimeSpan.Zero, TimeSpan.FromMilliseconds(1500));
    }

    /// <summary>
    /// The arrangement: "k" cached and served as a hit. With the default operation timeout a miss may return before its
    /// write-back landed (it goes on in the background), so the hit is asked for once the entry is in Redis.
    /// </summary>
    private static async Task WarmAsync(TestCache cache)
    {
        await cache.GetAsync(s_method, "k", () => "v");
        await cache.WaitForWriteBackAsync(cache.Client.GetFullKey(s_method.Namespace, "k"));
        Assert.Equal("v", await cache.GetAsync(s_method, "k", () => "not cached"));
        Assert.Equal(1, cache.Client.GetStatistics().Hits);
    }

    /// <summary>Calls every 10 ms until one is a hit (a miss writes the value back, so the call after it hits).</summary>
    private static async Task<TimeSpan> TimeToFirstHitAsync(TestCache cache, TimeSpan bound)
    {
        var watch = Stopwatch.StartNew();
        long hits = cache.Client.GetStatistics().Hits;
        while (cache.Client.GetStatistics().Hits == hits && watch.Elapsed < bound)
        {
            Assert.Equal("v", await cache.GetAsync(s_method, "k", () => "v"));
            if (cache.Client.GetStatistics().Hits == hits)
            {
                await Task.Delay(10);
            }
        }

        return cache.Client.GetStatistics().Hits > hits ? watch.Elapsed : TimeSpan.MaxValue;
    }
}
