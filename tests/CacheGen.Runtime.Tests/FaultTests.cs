using System.Net.Sockets;
using CacheGen.Runtime.Tests.Infrastructure;

namespace CacheGen.Runtime.Tests;

/// <summary>docs/design.md S22 and G1/G4: a store fault is a counted miss, and the breaker opens on consecutive failures.</summary>
public sealed class FaultTests
{
    private static readonly TimeSpan s_firstBreak = TimeSpan.FromMilliseconds(CacheGenDefaults.FirstBreakMs);

    public static TheoryData<BreakType, string> FaultKinds => new()
    {
        { BreakType.Synchronous, "store" },
        { BreakType.Asynchronous, "store" },
        { BreakType.AsynchronousYield, "store" },
        { BreakType.Asynchronous, "connection" },
        { BreakType.AsynchronousYield, "timeout" },
    };

    [Theory]
    [MemberData(nameof(FaultKinds))]
    public async Task GetOrSetAsync_StoreThrows_ReturnsFactoryValueAndCountsTheError(BreakType breakType, string errorType)
    {
        // arrange
        using var h = new CacheHarness();
        h.Chaos.Faulted = true;
        h.Chaos.BreakType = breakType;
        h.Chaos.Exception = errorType switch
        {
            "connection" => static () => new SocketException((int)SocketError.ConnectionRefused),
            "timeout" => static () => new TimeoutException(),
            _ => static () => new ChaosException(),
        };
        var source = new Source("v1");

        // act
        string value = await h.GetAsync(source);

        // assert
        Assert.Equal("v1", value);
        var stats = h.Client.GetStatistics();
        Assert.Equal(1, stats.Errors);
        Assert.Equal(1, stats.Misses);
        Assert.Equal(1, h.Errors.Sum((CacheGenDiagnostics.ErrorTypeTag, errorType), (CacheGenDiagnostics.OperationTag, "read")));
        Assert.Equal(1, h.Requests.Sum((CacheGenDiagnostics.ResultTag, "error")));
    }

    [Fact]
    public async Task GetOrSetAsync_WriteBackThrows_ReturnsFactoryValueAndCountsTheError()
    {
        // arrange: the read and the reservation succeed, the write-back fails
        using var h = new CacheHarness();
        var source = new Source("v1") { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var call = h.GetAsync(source).AsTask();
        await source.Read.Task.WaitAsync(TimeSpan.FromSeconds(10));
        h.Chaos.FailWrites = true;

        // act
        source.Gate.SetResult();
        string value = await call.WaitAsync(TimeSpan.FromSeconds(10));

        // assert
        Assert.Equal("v1", value);
        Assert.Equal(1, h.Client.GetStatistics().Errors);
        Assert.Equal(1, h.Errors.Sum((CacheGenDiagnostics.OperationTag, "write")));
    }

    [Fact]
    public async Task GetOrSetAsync_ReservationThrows_ReturnsFactoryValueWithoutAWriteBack()
    {
        // arrange: the read succeeds, the reservation written on the miss fails
        using var h = new CacheHarness();
        var source = new Source("v1");
        h.Chaos.FailWrites = true;

        // act
        string value = await h.GetAsync(source);

        // assert: counted once, and no write-back was tried without its reservation
        Assert.Equal("v1", value);
        Assert.Equal(1, h.Client.GetStatistics().Errors);
        Assert.Equal(1, h.Errors.Sum((CacheGenDiagnostics.OperationTag, "reserve")));
        Assert.Equal(1, h.Chaos.Writes);
    }

    [Fact]
    public async Task GetOrSetAsync_FiveConsecutiveFailures_OpensTheCircuitOnTheFifth()
    {
        // arrange
        using var h = new CacheHarness(o => o.BreakerFailureThreshold = 5);
        h.Chaos.Faulted = true;
        var source = new Source("v1");
        var states = new List<CircuitState>();

        // act
        for (int i = 0; i < 5; i++)
        {
            await h.GetAsync(source, "k" + i);
            states.Add(h.Client.CircuitState);
        }

        int storeCallsWhenOpened = h.Chaos.Calls;
        for (int i = 5; i < 10; i++)
        {
            Assert.Equal("v1", await h.GetAsync(source, "k" + i));
        }

        // assert
        Assert.Equal([CircuitState.Closed, CircuitState.Closed, CircuitState.Closed, CircuitState.Closed, CircuitState.Open], states);
        Assert.Equal(5, storeCallsWhenOpened);
        Assert.Equal(5, h.Chaos.Calls);
        Assert.Equal(10, source.Calls);
        Assert.Equal(10, h.Client.GetStatistics().Errors);
        Assert.Equal(5, h.Errors.Sum((CacheGenDiagnostics.ErrorTypeTag, "circuit_open")));
    }

    [Fact]
    public async Task Open_StoreRecovered_BackgroundProbeAfterTheFirstBreakClosesTheCircuitWithoutAnyCaller()
    {
        // arrange
        using var h = new CacheHarness();
        await OpenCircuitAsync(h);
        h.Chaos.Faulted = false;
        int readsWhenOpened = h.Chaos.Reads;

        // act
        h.Time.Advance(s_firstBreak - TimeSpan.FromMilliseconds(1));
        var stateBeforeBreakEnds = h.Client.CircuitState;
        int readsBeforeBreakEnds = h.Chaos.Reads - readsWhenOpened;
        h.Time.Advance(TimeSpan.FromMilliseconds(1));
        await WaitForAsync(() => h.Client.CircuitState == CircuitState.Closed);

        // assert: one probe read, no caller involved, and the default first break is a quarter of a second
        Assert.Equal(TimeSpan.FromMilliseconds(250), s_firstBreak);
        Assert.Equal(CircuitState.Open, stateBeforeBreakEnds);
        Assert.Equal(0, readsBeforeBreakEnds);
        Assert.Equal(1, h.Chaos.Reads - readsWhenOpened);
    }

    [Fact]
    public async Task Open_ProbesKeepFailing_EachBreakIsTwiceTheLastUpToBreakDuration()
    {
        // arrange
        using var h = new CacheHarness();
        await OpenCircuitAsync(h);
        int readsWhenOpened = h.Chaos.Reads;
        var probesAt = new List<int>();

        // act: 40 s in 10 ms steps, recording when each probe read happens
        for (int ms = 10; ms <= 40_000; ms += 10)
        {
            int before = h.Chaos.Reads;
            h.Time.Advance(TimeSpan.FromMilliseconds(10));
            if (h.Chaos.Reads != before)
            {
                probesAt.Add(ms);
            }
        }

        // assert: 250, +500, +1000, +2000, ... capped at 30 s; never more than one probe at a time
        Assert.Equal([250, 750, 1750, 3750, 7750, 15750, 31750], probesAt);
        Assert.Equal(probesAt.Count, h.Chaos.Reads - readsWhenOpened);
        Assert.Equal(CircuitState.Open, h.Client.CircuitState);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task GetOrSetAsync_ConcurrentCallerWhileProbeIsOut_IsAMissWithoutStoreCall()
    {
        // arrange: the probe's read takes 100 ms of manual time, so it is still out when a caller comes
        using var h = new CacheHarness();
        await OpenCircuitAsync(h);
        h.Chaos.Faulted = false;
        h.Chaos.Delay(TimeSpan.FromMilliseconds(100));
        h.Time.Advance(s_firstBreak);
        var source = new Source("v1");
        int readsWithProbeOut = h.Chaos.Reads;

        // act
        string concurrent = await h.GetAsync(source, "concurrent");
        var stateWhileProbing = h.Client.CircuitState;
        h.Chaos.Delay(TimeSpan.Zero);
        h.Time.Advance(TimeSpan.FromMilliseconds(100));
        await WaitForAsync(() => h.Client.CircuitState == CircuitState.Closed);

        // assert
        Assert.Equal("v1", concurrent);
        Assert.Equal(CircuitState.HalfOpen, stateWhileProbing);
        Assert.Equal(readsWithProbeOut, h.Chaos.Reads);
    }

    [Fact]
    public async Task GetOrSetAsync_FourFailuresThenSuccessThenFive_OpensOnTheTenthCall()
    {
        // arrange: FFFFS + FFFFF, the pattern a ratio-based breaker never opens on
        using var h = new CacheHarness(o => o.BreakerFailureThreshold = 5);
        var source = new Source("v1");
        const string pattern = "FFFFSFFFFF";
        var states = new List<CircuitState>();

        // act
        for (int i = 0; i < pattern.Length; i++)
        {
            h.Chaos.Faulted = pattern[i] == 'F';
            await h.GetAsync(source, "k" + i);
            states.Add(h.Client.CircuitState);
        }

        // assert
        Assert.Equal([.. Enumerable.Repeat(CircuitState.Closed, 9), CircuitState.Open], states);
        Assert.Equal(9, h.Client.GetStatistics().Errors);
    }

    [Fact]
    public async Task GetOrSetAsync_FourFailuresThenSuccessThenTenFailures_OpensOnTheTenthCall()
    {
        // arrange: FFFFS + 10xF (docs/design.md S22)
        using var h = new CacheHarness(o => o.BreakerFailureThreshold = 5);
        var source = new Source("v1");
        int openedAt = -1;

        // act
        for (int i = 0; i < 15; i++)
        {
            h.Chaos.Faulted = i != 4;
            await h.GetAsync(source, "k" + i);
            if (openedAt < 0 && h.Client.CircuitState == CircuitState.Open)
            {
                openedAt = i + 1;
            }
        }

        // assert
        Assert.Equal(10, openedAt);
    }

    [Fact]
    public async Task GetOrSetAsync_CallerCancelsWhileStoreHangs_DoesNotCountAsFailure()
    {
        // arrange: the store never answers (manual clock), so only the caller's cancellation ends each call
        using var h = new CacheHarness(o => o.BreakerFailureThreshold = 5);
        h.Chaos.Delay(TimeSpan.FromHours(1));
        var source = new Source("v1");

        // act
        for (int i = 0; i < 10; i++)
        {
            using var cancel = new CancellationTokenSource();
            var call = h.GetAsync(source, "k" + i, cancellationToken: cancel.Token).AsTask();
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        }

        // assert
        Assert.Equal(0, h.Chaos.InFlight);
        Assert.Equal(CircuitState.Closed, h.Client.CircuitState);
        Assert.Equal(0, h.Client.GetStatistics().Errors);
        Assert.Empty(h.Errors.Get());
        Assert.Equal(0, source.Calls);
    }

    [Fact]
    public async Task GetOrSetAsync_CallerCancelsWhileOpen_NeverAffectsTheProbe()
    {
        // arrange: callers never probe, so a caller's cancellation cannot reopen the circuit for a full break
        using var h = new CacheHarness();
        await OpenCircuitAsync(h);
        h.Chaos.Faulted = false;
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        // act
        await Record.ExceptionAsync(() => h.GetAsync(new Source("v1"), "cancelled", cancellationToken: cancel.Token).AsTask());
        h.Time.Advance(s_firstBreak);
        await WaitForAsync(() => h.Client.CircuitState == CircuitState.Closed);

        // assert
        Assert.Equal(CircuitState.Closed, h.Client.CircuitState);
    }

    [Fact]
    public async Task CheckHealthAsync_CircuitOpen_IsDegraded()
    {
        // arrange
        using var h = new CacheHarness();
        var check = new CacheGenHealthCheck(h.Client);
        var healthy = await check.CheckHealthAsync(new());
        await OpenCircuitAsync(h);

        // act
        var degraded = await check.CheckHealthAsync(new());

        // assert
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, healthy.Status);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded, degraded.Status);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }

    private static async Task OpenCircuitAsync(CacheHarness h)
    {
        h.Chaos.Faulted = true;
        var source = new Source("opening");
        for (int i = 0; i < h.Options.BreakerFailureThreshold; i++)
        {
            await h.GetAsync(source, "opening-" + i);
        }

        Assert.Equal(CircuitState.Open, h.Client.CircuitState);
    }
}
