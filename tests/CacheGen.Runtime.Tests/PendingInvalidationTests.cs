using CacheGen.Internal;
using CacheGen.Runtime.Tests.Infrastructure;

namespace CacheGen.Runtime.Tests;

/// <summary>docs/design.md S13 at the unit level: a failed invalidation is queued, guards reads, and is replayed.</summary>
public sealed class PendingInvalidationTests
{
    private static readonly TimeSpan s_replayInterval = TimeSpan.FromMilliseconds(CacheGenDefaults.ReplayIntervalMs);

    [Fact]
    public async Task InvalidateKeyAsync_StoreFails_QueuesBypassesReadsAndReplays()
    {
        // arrange
        using var h = new CacheHarness();
        var source = new Source("v1");
        await h.GetAsync(source);
        await h.GetAsync(source, "other");
        source.Value = "v2";
        h.Chaos.FailNext(1);

        // act: the invalidation fails
        await h.Client.InvalidateKeyAsync("ns", "k");
        int pending = h.Client.GetStatistics().PendingInvalidations;
        int readsBefore = h.Chaos.Reads;
        string whilePending = await h.GetAsync(source);
        string whilePendingAgain = await h.GetAsync(source);
        int readsOfKeyWhilePending = h.Chaos.Reads - readsBefore;
        string otherKey = await h.GetAsync(source, "other");

        // act: the store is back and the replay timer fires
        h.Time.Advance(s_replayInterval);
        await WaitUntilAsync(() => h.Client.GetStatistics().PendingInvalidations == 0);
        byte[]? raw = await h.Chaos.GetRawAsync(h.FullKey());
        source.Value = "v3";
        string afterReplay = await h.GetAsync(source);
        string afterReplayAgain = await h.GetAsync(source);

        // assert
        Assert.Equal(1, pending);
        Assert.Equal("v2", whilePending);
        Assert.Equal("v2", whilePendingAgain);
        Assert.Equal(0, readsOfKeyWhilePending);
        Assert.Equal("v1", otherKey);
        Assert.NotNull(raw);
        Assert.False(Envelope.TryRead(raw, h.FullKey(), out _, out string reason));
        Assert.Equal("tombstone", reason);
        Assert.Equal("v3", afterReplay);
        Assert.Equal("v3", afterReplayAgain);
        Assert.Contains(h.Logger.Collector.GetSnapshot(), e => e.Id.Id == 30);
        Assert.Contains(h.Logger.Collector.GetSnapshot(), e => e.Id.Id == 32);
    }

    [Fact]
    public async Task InvalidateNamespaceAsync_StoreFails_BypassesTheNamespaceUntilReplayed()
    {
        // arrange
        using var h = new CacheHarness();
        var otherNs = new CachedMethod("other", "T.M~1", 60, "fp");
        var source = new Source("v1");
        await h.GetAsync(source, "a");
        await h.GetAsync(source, "a", method: otherNs);
        source.Value = "v2";
        h.Chaos.FailNext(1);

        // act
        await h.Client.InvalidateNamespaceAsync("ns");
        string inNamespace = await h.GetAsync(source, "a");
        string elsewhere = await h.GetAsync(source, "a", method: otherNs);
        h.Time.Advance(s_replayInterval);
        await WaitUntilAsync(() => h.Client.GetStatistics().PendingInvalidations == 0);
        int callsBefore = source.Calls;
        string afterReplay = await h.GetAsync(source, "a");
        string afterReplayAgain = await h.GetAsync(source, "a");

        // assert
        Assert.Equal("v2", inNamespace);
        Assert.Equal("v1", elsewhere);
        Assert.Equal("v2", afterReplay);
        Assert.Equal("v2", afterReplayAgain);
        Assert.Equal(callsBefore + 1, source.Calls);
    }

    [Fact]
    public async Task InvalidateTagAsync_StoreFails_BypassesTaggedEntriesUntilReplayed()
    {
        // arrange
        using var h = new CacheHarness();
        var source = new Source("v1");
        await h.GetAsync(source, "tagged", ["t"]);
        await h.GetAsync(source, "untagged");
        source.Value = "v2";
        h.Chaos.FailNext(1);

        // act
        await h.Client.InvalidateTagAsync("t");
        string tagged = await h.GetAsync(source, "tagged", ["t"]);
        string untagged = await h.GetAsync(source, "untagged");
        h.Time.Advance(s_replayInterval);
        await WaitUntilAsync(() => h.Client.GetStatistics().PendingInvalidations == 0);
        source.Value = "v3";
        string afterReplay = await h.GetAsync(source, "tagged", ["t"]);

        // assert
        Assert.Equal("v2", tagged);
        Assert.Equal("v1", untagged);
        Assert.Equal("v3", afterReplay);
    }

    [Fact]
    public async Task InvalidateKeyAsync_StoreStillDown_StaysPendingAcrossReplays()
    {
        // arrange
        using var h = new CacheHarness(o => o.BreakerFailureThreshold = 100);
        h.Chaos.Faulted = true;

        // act
        await h.Client.InvalidateKeyAsync("ns", "k");
        await h.Client.InvalidateKeyAsync("ns", "k");
        for (int i = 0; i < 3; i++)
        {
            h.Time.Advance(s_replayInterval);
        }

        int removesWhileDown = h.Chaos.Removes;
        h.Chaos.Faulted = false;
        h.Time.Advance(s_replayInterval);
        await WaitUntilAsync(() => h.Client.GetStatistics().PendingInvalidations == 0);

        // assert
        Assert.True(removesWhileDown >= 3, $"{removesWhileDown} replays while down");
        Assert.Equal(0, h.Client.GetStatistics().PendingInvalidations);
    }

    [Fact]
    public async Task InvalidateKeyAsync_SameKeyFailsTwice_IsQueuedOnce()
    {
        // arrange
        using var h = new CacheHarness();
        h.Chaos.Faulted = true;

        // act
        await h.Client.InvalidateKeyAsync("ns", "k");
        await h.Client.InvalidateKeyAsync("ns", "k");
        await h.Client.InvalidateKeyAsync("ns", "other");

        // assert
        Assert.Equal(2, h.Client.GetStatistics().PendingInvalidations);
    }

    [Fact]
    public async Task InvalidateKeyAsync_QueueFull_QueuesTheNamespaceAndLogsAnError()
    {
        // arrange
        using var h = new CacheHarness(o => o.MaxPendingInvalidations = 2);
        h.Chaos.Faulted = true;

        // act
        await h.Client.InvalidateKeyAsync("ns", "a");
        await h.Client.InvalidateKeyAsync("ns", "b");
        await h.Client.InvalidateKeyAsync("ns", "c");

        // assert: nothing dropped: "c" is covered by its namespace, queued past the bound
        Assert.Equal(3, h.Client.GetStatistics().PendingInvalidations);
        Assert.Single(h.Logger.Collector.GetSnapshot(), e => e.Id.Id == 37 && e.Level == Microsoft.Extensions.Logging.LogLevel.Error);
    }

    [Fact]
    public async Task InvalidateKeyAsync_WhileCircuitOpen_IsQueuedAndReplayedAfterTheBreak()
    {
        // arrange
        using var h = new CacheHarness();
        var source = new Source("v1");
        await h.GetAsync(source);
        h.Chaos.Faulted = true;
        for (int i = 0; i < h.Options.BreakerFailureThreshold; i++)
        {
            await h.GetAsync(source, "opening-" + i);
        }

        h.Chaos.Faulted = false;
        source.Value = "v2";

        // act
        await h.Client.InvalidateKeyAsync("ns", "k");
        int pendingWhileOpen = h.Client.GetStatistics().PendingInvalidations;
        h.Time.Advance(TimeSpan.FromSeconds(h.Options.BreakDurationSeconds));
        await WaitUntilAsync(() => h.Client.GetStatistics().PendingInvalidations == 0);
        string afterReplay = await h.GetAsync(source);

        // assert
        Assert.Equal(1, pendingWhileOpen);
        Assert.Equal(CircuitState.Closed, h.Client.CircuitState);
        Assert.Equal("v2", afterReplay);
    }

    [Fact]
    public async Task InvalidateKeyAsync_StoreFails_PendingGaugeReportsIt()
    {
        // arrange
        using var h = new CacheHarness();
        h.Chaos.FailNext(1);

        // act
        await h.Client.InvalidateKeyAsync("ns", "k");
        h.PendingInvalidations.RecordObservableInstruments();

        // assert
        var gauge = h.PendingInvalidations.Get();
        Assert.Equal(1, Assert.Single(gauge).Value);
    }

    [Fact]
    public async Task InvalidateKeyAsync_CallerCancelled_StillInvalidates()
    {
        // arrange: an entry, and a caller whose token is already cancelled
        using var h = new CacheHarness();
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var method = new CachedMethod("ns", "T.M~1", 60, "fp");
        int calls = 0;
        await h.Client.GetOrSetAsync(method, "k", null, 0, (_, _) => new ValueTask<int>(++calls));

        // act: cancelling must not abandon the invalidation, or the entry would stay stale
        await h.Client.InvalidateKeyAsync("ns", "k", cancel.Token);

        // assert
        Assert.Equal(2, await h.Client.GetOrSetAsync(method, "k", null, 0, (_, _) => new ValueTask<int>(++calls)));
        Assert.Equal(0, h.Client.GetStatistics().PendingInvalidations);
        Assert.Equal(CircuitState.Closed, h.Client.CircuitState);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), "condition not met within 5 s");
            await Task.Delay(5);
        }
    }
}
