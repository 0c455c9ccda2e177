using System.Diagnostics;
using CacheGen.Runtime.Tests.Infrastructure;

namespace CacheGen.Runtime.Tests;

/// <summary>
/// The store operation timeout is Polly's, driven by the client's clock: these tests run on real time, alone,
/// so a busy machine running the other tests in parallel cannot stretch a 50 ms timeout past the 1 s bound.
/// </summary>
[Collection(nameof(RealTimeCollection))]
public sealed class OperationTimeoutTests
{
    [Fact]
    public async Task GetOrSetAsync_StoreSlowerThanOperationTimeout_ReturnsFactoryValueCountedAsTimeout()
    {
        // arrange: real time, because the timeout is Polly's
        using var h = new CacheHarness(o => o.OperationTimeoutMs = 50, clientTime: TimeProvider.System, delayClock: TimeProvider.System);
        h.Chaos.Delay(TimeSpan.FromSeconds(5));
        var source = new Source("v1");
        var watch = Stopwatch.StartNew();

        // act
        string value = await h.GetAsync(source);
        watch.Stop();

        // assert
        Assert.Equal("v1", value);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"took {watch.Elapsed}");
        Assert.Equal(1, h.Client.GetStatistics().Errors);
        Assert.Equal(1, h.Errors.Sum((CacheGenDiagnostics.ErrorTypeTag, "timeout"), (CacheGenDiagnostics.OperationTag, "read")));
    }

    [Fact]
    public void GetOrSet_StoreSlowerThanOperationTimeout_ReturnsFactoryValueWithinTheBound()
    {
        // arrange
        using var h = new CacheHarness(o => o.OperationTimeoutMs = 50, clientTime: TimeProvider.System, delayClock: TimeProvider.System);
        h.Chaos.Delay(TimeSpan.FromSeconds(5));
        var source = new Source("v1");
        var watch = Stopwatch.StartNew();

        // act
        string value = h.Client.GetOrSet(CacheHarness.Method, "k", null, source, static s => s.Get());
        watch.Stop();

        // assert
        Assert.Equal("v1", value);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"took {watch.Elapsed}");
        Assert.Equal(1, h.Client.GetStatistics().Errors);
    }

    [Fact]
    public async Task InvalidateKeyAsync_StoreTimesOut_DoesNotThrowAndQueues()
    {
        // arrange
        using var h = new CacheHarness(o => o.OperationTimeoutMs = 50, clientTime: TimeProvider.System, delayClock: TimeProvider.System);
        h.Chaos.Delay(TimeSpan.FromSeconds(5));
        var watch = Stopwatch.StartNew();

        // act
        await h.Client.InvalidateKeyAsync("ns", "k");
        watch.Stop();

        // assert
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"took {watch.Elapsed}");
        Assert.Equal(1, h.Client.GetStatistics().PendingInvalidations);
        Assert.Equal(1, h.Errors.Sum((CacheGenDiagnostics.ErrorTypeTag, "timeout"), (CacheGenDiagnostics.OperationTag, "invalidate")));
    }
}
