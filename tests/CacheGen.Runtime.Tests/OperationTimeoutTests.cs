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

    [Fact]
    public async Task GetOrSetAsync_WriteBackSlowerThanTheBudget_ReturnsWhileTheWriteGoesOn()
    {
        // arrange: real time; the read and the reservation answer at once, the value's write hangs until the write-back's
        // own timeout (1 s) cancels it. The caller waits for it at most what the read left of the operation timeout
        var store = new HangingValueWriteStore(new CacheGen.Stores.MemoryCacheStore(TimeProvider.System));
        using var client = new CacheClient(store, new SystemTextJsonCacheSerializer(), Microsoft.Extensions.Options.Options.Create(new CacheGenOptions { OperationTimeoutMs = 100 }));
        var method = new CachedMethod("ns", "T.M~1", 60, "fp");

        // act
        var watch = Stopwatch.StartNew();
        string value = await client.GetOrSetAsync(method, "k", null, 0, static (_, _) => ValueTask.FromResult("v1"));
        watch.Stop();
        bool writeEndedFirst = store.WriteEnded.Task.IsCompleted;

        // assert: served without waiting for the write, which ended later (cancelled by its own timeout, no throw here)
        Assert.Equal("v1", value);
        Assert.True(store.WriteStarted.Task.IsCompleted, "the value's write was not sent");
        Assert.False(writeEndedFirst, $"the call waited for the write-back ({watch.ElapsedMilliseconds} ms)");
        Assert.True(await store.WriteEnded.Task.WaitAsync(TimeSpan.FromSeconds(30)), "the write-back's own timeout did not end the write");
    }

    /// <summary>A store whose value writes (after the reservation) hang until the token is cancelled.</summary>
    private sealed class HangingValueWriteStore(ICacheStore inner) : ICacheStore
    {
        public TaskCompletionSource WriteStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<bool> WriteEnded { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "hanging-write";

        public ValueTask<CacheStoreReadResult> ReadAsync(string key, IReadOnlyList<string> stampKeys, CancellationToken cancellationToken) =>
            inner.ReadAsync(key, stampKeys, cancellationToken);

        public async ValueTask<bool> WriteIfUnchangedAsync(string key, ReadOnlyMemory<byte> expectedHeader, byte[] value, TimeSpan ttl, CancellationToken cancellationToken)
        {
            if (expectedHeader.IsEmpty)
            {
                return await inner.WriteIfUnchangedAsync(key, expectedHeader, value, ttl, cancellationToken); // the reservation
            }

            WriteStarted.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
                return false;
            }
            finally
            {
                WriteEnded.TrySetResult(true);
            }
        }

        public ValueTask RemoveAsync(string key, byte[] tombstone, TimeSpan tombstoneTtl, CancellationToken cancellationToken) =>
            inner.RemoveAsync(key, tombstone, tombstoneTtl, cancellationToken);

        public ValueTask SetStampAsync(string stampKey, string stamp, TimeSpan ttl, CancellationToken cancellationToken) =>
            inner.SetStampAsync(stampKey, stamp, ttl, cancellationToken);

        public ValueTask<string> EnsureStampAsync(string stampKey, string candidate, TimeSpan ttl, CancellationToken cancellationToken) =>
            inner.EnsureStampAsync(stampKey, candidate, ttl, cancellationToken);

        public ValueTask<long> RemoveByPatternAsync(string pattern, CancellationToken cancellationToken) =>
            inner.RemoveByPatternAsync(pattern, cancellationToken);
    }
}
