using CacheGen.Internal;
using CacheGen.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace CacheGen.Runtime.Tests;

/// <summary>docs/design.md S8 at the unit level: a replica (or the ReadOnly option) serves reads and skips writes quietly.</summary>
public sealed class ReadOnlyTests
{
    private const int StoreReadOnlyEvent = 42;
    private const int StoreWritableEvent = 43;
    private static readonly TimeSpan s_replayInterval = TimeSpan.FromMilliseconds(CacheGenDefaults.ReplayIntervalMs);

    [Fact]
    public async Task GetOrSetAsync_StoreIsAReplica_ServesHits_SkipsWriteBacks_OneWarningIn20Calls()
    {
        // arrange: an entry written while the store was writable, then the store reports a replica
        using var h = new CacheHarness(o => o.BreakerFailureThreshold = 1);
        var source = new Source("v1");
        await h.GetAsync(source, "warm");
        h.Chaos.ReadOnly = true;
        int writesBefore = h.Chaos.Writes;

        // act
        var results = new List<string>();
        for (int i = 0; i < 20; i++)
        {
            results.Add(await h.GetAsync(source, i % 2 == 0 ? "warm" : "cold"));
        }

        // assert
        var stats = h.Client.GetStatistics();
        Assert.All(results, r => Assert.Equal("v1", r));
        Assert.Equal(10, stats.Hits);
        Assert.Equal(0, stats.Errors);
        Assert.Equal(CircuitState.Closed, stats.CircuitState);
        Assert.True(stats.ReadOnly);
        Assert.Equal(writesBefore, h.Chaos.Writes);
        Assert.Equal(11, source.Calls);
        var warnings = h.Logger.Collector.GetSnapshot().Where(e => e.Level >= LogLevel.Warning).ToList();
        var warning = Assert.Single(warnings);
        Assert.Equal(StoreReadOnlyEvent, warning.Id.Id);
        Assert.Contains("replica", warning.Message, StringComparison.Ordinal);
        Assert.Equal(10, h.Logger.Collector.GetSnapshot().Count(e => e.Id.Name == "WriteSkippedReadOnly" && e.Level == LogLevel.Debug));
    }

    [Fact]
    public async Task GetOrSetAsync_ReplicaPromoted_WritesResume_EachTransitionLoggedOnce()
    {
        // arrange
        using var h = new CacheHarness();
        var source = new Source("v1");
        h.Chaos.ReadOnly = true;
        await h.GetAsync(source, "a");
        await h.GetAsync(source, "b");

        // act: promoted, then demoted again
        h.Chaos.ReadOnly = false;
        await h.GetAsync(source, "c");
        await h.GetAsync(source, "c");
        h.Chaos.ReadOnly = true;
        await h.GetAsync(source, "d");
        await h.GetAsync(source, "e");

        // assert
        Assert.Equal([StoreReadOnlyEvent, StoreWritableEvent, StoreReadOnlyEvent], h.Logger.Collector.GetSnapshot().Select(e => e.Id.Id).Where(id => id is StoreReadOnlyEvent or StoreWritableEvent));
        // while writable: the reservation on the miss of "c", then its write-back
        Assert.Equal(2, h.Chaos.Writes);
        Assert.Equal(1, h.Client.GetStatistics().Hits);
    }

    [Fact]
    public async Task InvalidateKeyAsync_StoreIsAReplica_QueuedWithoutAStoreCall_ReplayedOnceWritable()
    {
        // arrange
        using var h = new CacheHarness(o => o.BreakerFailureThreshold = 1);
        var source = new Source("v1");
        await h.GetAsync(source);
        h.Chaos.ReadOnly = true;
        source.Value = "v2";

        // act: the replica cannot take the invalidation; the timer keeps it queued while the store stays read-only
        await h.Client.InvalidateKeyAsync("ns", "k");
        h.Time.Advance(s_replayInterval);
        h.Time.Advance(s_replayInterval);
        int removesWhileReplica = h.Chaos.Removes;
        var whileReplica = h.Client.GetStatistics();
        string read = await h.GetAsync(source);
        h.Chaos.ReadOnly = false;
        h.Time.Advance(s_replayInterval);
        await WaitUntilAsync(() => h.Client.GetStatistics().PendingInvalidations == 0);

        // assert: no error, no breaker failure, the stale entry never served, the invalidation applied once writable
        Assert.Equal(0, removesWhileReplica);
        Assert.Equal(1, whileReplica.PendingInvalidations);
        Assert.Equal(0, whileReplica.Errors);
        Assert.Equal(CircuitState.Closed, whileReplica.CircuitState);
        Assert.Equal("v2", read);
        Assert.Equal(1, h.Chaos.Removes);
        Assert.False(Envelope.TryRead((await h.Chaos.GetRawAsync(h.FullKey()))!, h.FullKey(), out _, out string reason));
        Assert.Equal("tombstone", reason);
        Assert.Contains(h.Logger.Collector.GetSnapshot(), e => e.Id.Id == StoreWritableEvent);
    }

    [Fact]
    public async Task ReadOnlyOption_SkipsWriteBacksWithOneWarning_InvalidationsStillReachTheStore()
    {
        // arrange
        using var h = new CacheHarness(o => o.ReadOnly = true);
        var source = new Source("v1");

        // act
        for (int i = 0; i < 5; i++)
        {
            await h.GetAsync(source, "k" + i);
        }

        await h.Client.InvalidateKeyAsync("ns", "k0");

        // assert
        Assert.Equal(0, h.Chaos.Writes);
        Assert.Equal(1, h.Chaos.Removes);
        Assert.Equal(0, h.Client.GetStatistics().PendingInvalidations);
        var warning = Assert.Single(h.Logger.Collector.GetSnapshot(), e => e.Level >= LogLevel.Warning);
        Assert.Equal(StoreReadOnlyEvent, warning.Id.Id);
        Assert.Contains("ReadOnly option", warning.Message, StringComparison.Ordinal);
        Assert.True(h.Client.IsReadOnly);
    }

    [Fact]
    public void GetOrSet_SyncPath_StoreIsAReplica_SkipsTheWriteBack()
    {
        using var h = new CacheHarness();
        h.Chaos.ReadOnly = true;
        var source = new Source("v1");

        string first = h.Client.GetOrSet(CacheHarness.Method, "k", null, source, static s => s.Get());
        string second = h.Client.GetOrSet(CacheHarness.Method, "k", null, source, static s => s.Get());

        Assert.Equal(("v1", "v1"), (first, second));
        Assert.Equal(0, h.Chaos.Writes);
        Assert.Equal(0, h.Client.GetStatistics().Errors);
    }

    [Fact]
    public async Task ReadOnlyGauge_ReportsTheState()
    {
        // arrange
        using var h = new CacheHarness();

        // act
        h.ReadOnlyState.RecordObservableInstruments();
        h.Chaos.ReadOnly = true;
        await h.GetAsync(new Source());
        h.ReadOnlyState.RecordObservableInstruments();

        // assert
        Assert.Equal([0L, 1L], h.ReadOnlyState.Get().Select(m => m.Value));
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
