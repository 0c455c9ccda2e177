using CacheGen.Internal;
using CacheGen.Runtime.Tests.Infrastructure;
using CacheGen.Stores;
using Microsoft.Extensions.Logging;

namespace CacheGen.Runtime.Tests;

/// <summary>
/// docs/design.md S25 and S27 at the unit level: the replay-queue race, overflow in two clients sharing one store,
/// dispose with queued invalidations, and the journal replayed when the store reports a changed server.
/// </summary>
public sealed class InvalidationSafetyTests
{
    private static readonly TimeSpan s_replayInterval = TimeSpan.FromMilliseconds(CacheGenDefaults.ReplayIntervalMs);
    private static readonly CachedMethod s_other = new("other", "T.O~1", 60, "fp");

    [Fact]
    public async Task Replay_SecondInvalidationOfTheTargetWhileItsReplayIsInFlight_StaysQueued_NoStaleRead()
    {
        // arrange: process A (its invalidation failed and is queued) and process B, on one store
        var time = new FakeTimeProvider();
        var memory = new MemoryCacheStore(time);
        var gated = new GatedStore(memory);
        var logger = new FakeLogger<CacheClient>();
        using var a = NewClient(gated, time, logger);
        using var b = NewClient(memory, time);
        var source = new Source("v1");
        await GetAsync(b, source);
        source.Value = "v2";
        gated.FailRemoves = true;
        await a.InvalidateKeyAsync("ns", "k");
        Assert.Equal(1, a.GetStatistics().PendingInvalidations);

        // act: the replay's tombstone lands and the replay is held before it returns
        gated.FailRemoves = false;
        gated.HoldNextRemove();
        time.Advance(s_replayInterval);
        await gated.RemoveHeld.Task.WaitAsync(TimeSpan.FromSeconds(5));

        // B misses on the tombstone and writes v2 back; then the data changes again and A's invalidation fails
        string bDuring = await GetAsync(b, source);
        source.Value = "v3";
        gated.FailRemoves = true;
        await a.InvalidateKeyAsync("ns", "k");

        // the held replay returns: it must remove only the entry it sent
        gated.Release();
        await WaitUntilAsync(() => logger.Collector.GetSnapshot().Select(e => e.Id.Id).Contains(32));
        int pendingAfterThePass = a.GetStatistics().PendingInvalidations;
        string aWhilePending = await GetAsync(a, source);

        gated.FailRemoves = false;
        time.Advance(s_replayInterval);
        await WaitUntilAsync(() => a.GetStatistics().PendingInvalidations == 0);
        string bAfter = await GetAsync(b, source);
        string aAfter = await GetAsync(a, source);

        // assert
        Assert.Equal("v2", bDuring);
        Assert.Equal(1, pendingAfterThePass);
        Assert.Equal("v3", aWhilePending);
        Assert.Equal(("v3", "v3"), (bAfter, aAfter));
    }

    [Fact]
    public async Task Overflow_InvalidationsPastTheBound_EveryProcessMissesThemOnceTheStoreIsBack()
    {
        // arrange: A's queue holds 2; B shares the store and caches four entries, one tagged in another namespace
        using var a = new CacheHarness(o => o.MaxPendingInvalidations = 2);
        using var b = new CacheHarness(memory: a.Memory);
        var source = new Source("v1");
        foreach (string key in (string[])["a", "b", "c", "d"])
        {
            await b.GetAsync(source, key);
        }

        await b.GetAsync(source, "tagged", ["t"], s_other);
        source.Value = "v2";

        // act: A cannot reach the store; 2 invalidations fit, a key and a tag overflow
        a.Chaos.Faulted = true;
        await a.Client.InvalidateKeyAsync("ns", "a");
        await a.Client.InvalidateKeyAsync("ns", "b");
        await a.Client.InvalidateKeyAsync("ns", "c");
        await a.Client.InvalidateTagAsync("t");
        int readsBefore = a.Chaos.Reads;
        string aInNamespace = await a.GetAsync(source, "d");
        string aElsewhere = await a.GetAsync(source, "untagged", method: s_other);
        int aStoreReadsWhileOverflowed = a.Chaos.Reads - readsBefore;

        a.Chaos.Faulted = false;
        a.Time.Advance(s_replayInterval);
        await WaitUntilAsync(() => a.Client.GetStatistics().PendingInvalidations == 0);
        string[] bAfter = [await b.GetAsync(source, "a"), await b.GetAsync(source, "b"), await b.GetAsync(source, "c"), await b.GetAsync(source, "tagged", ["t"], s_other)];

        // assert: A bypassed the store meanwhile; B reads nothing stale once A's widened invalidations landed
        Assert.Equal(0, aStoreReadsWhileOverflowed);
        Assert.Equal(("v2", "v2"), (aInNamespace, aElsewhere));
        Assert.Equal(["v2", "v2", "v2", "v2"], bAfter);
        // one Error for the overflow (two invalidations widened), the second at Debug; both counted
        Assert.Single(a.Logger.Collector.GetSnapshot(), e => e.Id.Id == 37 && e.Level == LogLevel.Error);
        Assert.Single(a.Logger.Collector.GetSnapshot(), e => e.Id.Id == 49 && e.Level == LogLevel.Debug);
        Assert.Equal(2, a.Errors.Sum((CacheGenDiagnostics.ErrorTypeTag, "queue_full"), (CacheGenDiagnostics.OperationTag, "invalidate")));

        // a later overflow, once the queue was empty, is a new one: logged as an Error again
        a.Chaos.Faulted = true;
        await a.Client.InvalidateKeyAsync("ns", "a");
        await a.Client.InvalidateKeyAsync("ns", "b");
        await a.Client.InvalidateKeyAsync("ns", "c");
        Assert.Equal(2, a.Logger.Collector.GetSnapshot().Count(e => e.Id.Id == 37 && e.Level == LogLevel.Error));
    }

    [Fact]
    public async Task Dispose_WithQueuedInvalidations_FlushesThem()
    {
        // arrange
        var a = new CacheHarness();
        using var b = new CacheHarness(memory: a.Memory);
        var source = new Source("v1");
        await b.GetAsync(source);
        source.Value = "v2";
        a.Chaos.Faulted = true;
        await a.Client.InvalidateKeyAsync("ns", "k");
        Assert.Equal(1, a.Client.GetStatistics().PendingInvalidations);
        a.Chaos.Faulted = false;

        // act: disposed before the replay timer fired
        a.Dispose();

        // assert
        Assert.Equal(0, a.Client.GetStatistics().PendingInvalidations);
        Assert.Equal("v2", await b.GetAsync(source));
        Assert.DoesNotContain(a.Logger.Collector.GetSnapshot(), e => e.Id.Id == 39);
    }

    [Fact]
    public async Task Dispose_StoreStillDown_LogsWhatCouldNotBeFlushed_WithinTheBound()
    {
        // arrange
        var a = new CacheHarness(o => o.BreakerFailureThreshold = 100);
        a.Chaos.Faulted = true;
        await a.Client.InvalidateKeyAsync("ns", "k");
        await a.Client.InvalidateTagAsync("t");

        // act
        var watch = System.Diagnostics.Stopwatch.StartNew();
        a.Dispose();
        watch.Stop();

        // assert
        var error = Assert.Single(a.Logger.Collector.GetSnapshot(), e => e.Id.Id == 39);
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.Contains("ns", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, a.Logger.Collector.GetSnapshot().Count(e => e.Id.Id == 45 && e.Level == LogLevel.Debug));
        Assert.True(watch.Elapsed < TimeSpan.FromMilliseconds(a.Options.DisposeFlushTimeoutMs + a.Options.OperationTimeoutMs + 500), watch.Elapsed.ToString());
    }

    [Fact]
    public async Task Dispose_StoreHangs_ReturnsWithinTheBoundAndLogs()
    {
        // arrange: every store call waits an hour on a clock that never moves, and the client's timeout never fires
        var a = new CacheHarness();
        a.Chaos.Faulted = true;
        await a.Client.InvalidateKeyAsync("ns", "k");
        a.Chaos.Faulted = false;
        a.Chaos.Delay(TimeSpan.FromHours(1));

        // act
        var watch = System.Diagnostics.Stopwatch.StartNew();
        a.Dispose();
        watch.Stop();

        // assert
        Assert.Single(a.Logger.Collector.GetSnapshot(), e => e.Id.Id == 39);
        Assert.True(watch.Elapsed < TimeSpan.FromMilliseconds(a.Options.DisposeFlushTimeoutMs + a.Options.OperationTimeoutMs + 500), watch.Elapsed.ToString());
    }

    [Theory]
    [InlineData(CacheGenDefaults.InvalidationJournalSize, "v2")]
    [InlineData(0, "v1")] // the journal off: what the server lost stays lost (shows the test can fail)
    public async Task ServerChanged_AcknowledgedInvalidationLostByTheServer_IsReplayed(int journalSize, string expected)
    {
        // arrange: an entry, a snapshot of it, then its invalidation
        var time = new FakeTimeProvider();
        var memory = new MemoryCacheStore(time);
        var store = new ConnectionStore(memory);
        var logger = new FakeLogger<CacheClient>();
        using var client = NewClient(store, time, logger, o => o.InvalidationJournalSize = journalSize);
        var source = new Source("v1");
        await GetAsync(client, source);
        await GetAsync(client, source, "tagged", ["t"]);
        string fullKey = client.GetFullKey("ns", "k");
        byte[] snapshot = (await memory.ReadAsync(fullKey, [], CancellationToken.None)).Value!;
        var tagStamp = (await memory.ReadAsync("x", ["cache:%tag:t"], CancellationToken.None)).Stamps[0]!;
        source.Value = "v2";
        await client.InvalidateKeyAsync("ns", "k");
        await client.InvalidateTagAsync("t");

        // act: the server comes back from the older snapshot (the tombstone and the new tag stamp are gone)
        await PutRawAsync(memory, fullKey, snapshot);
        await memory.SetStampAsync("cache:%tag:t", tagStamp, TimeSpan.FromHours(1), CancellationToken.None);
        store.RaiseServerChanged("127.0.0.1:6379 restarted (new run id)");
        await WaitUntilAsync(() => client.GetStatistics().PendingInvalidations == 0);

        // assert
        Assert.Equal(expected, await GetAsync(client, source));
        Assert.Equal(expected, await GetAsync(client, source, "tagged", ["t"]));
        Assert.Contains(logger.Collector.GetSnapshot(), e => e.Id.Id == 38 && e.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task ServerCheckPending_ReadsOfJournaledEntriesBypassTheStore_OthersDoNot()
    {
        // arrange
        var time = new FakeTimeProvider();
        var memory = new MemoryCacheStore(time);
        var store = new ConnectionStore(memory);
        using var client = NewClient(store, time);
        var source = new Source("v1");
        await GetAsync(client, source, "other");
        await client.InvalidateKeyAsync("ns", "k");
        await GetAsync(client, source);

        // act: the store is checking whether the server changed
        store.CheckPending = true;
        int readsBefore = store.Reads;
        await GetAsync(client, source);
        int readsOfJournaled = store.Reads - readsBefore;
        await GetAsync(client, source, "other");
        int readsOfOther = store.Reads - readsBefore;
        store.CheckPending = false;

        // assert
        Assert.Equal(0, readsOfJournaled);
        Assert.Equal(1, readsOfOther);
    }

    [Fact]
    public void Journal_FullOfRelevantInvalidations_WidensTheOldestInsteadOfDroppingIt()
    {
        // arrange
        var time = new FakeTimeProvider();
        var journal = new InvalidationJournal(2, time);
        var hour = TimeSpan.FromHours(1);

        // act
        journal.Record(new Invalidation(InvalidationKind.Key, "ns", "cache:ns:a"), hour);
        journal.Record(new Invalidation(InvalidationKind.Tag, string.Empty, "t"), hour);
        journal.Record(new Invalidation(InvalidationKind.Key, "ns", "cache:ns:b"), hour);
        journal.Record(new Invalidation(InvalidationKind.Key, "ns", "cache:ns:c"), hour);
        var recent = journal.Recent();

        // assert: "a" became its namespace, the tag became the epoch, which covers the namespace
        Assert.Equal(
            [Invalidation.Epoch, new Invalidation(InvalidationKind.Key, "ns", "cache:ns:b"), new Invalidation(InvalidationKind.Key, "ns", "cache:ns:c")],
            recent);
        Assert.Equal(2, journal.WidenedTotal);
    }

    [Fact]
    public void Journal_Expired_IsForgottenAndNotWidened()
    {
        // arrange
        var time = new FakeTimeProvider();
        var journal = new InvalidationJournal(1, time);
        journal.Record(new Invalidation(InvalidationKind.Key, "ns", "cache:ns:a"), TimeSpan.FromSeconds(10));
        journal.Record(new Invalidation(InvalidationKind.Key, "ns", "cache:ns:b"), TimeSpan.FromSeconds(60));

        // act
        time.Advance(TimeSpan.FromSeconds(30));
        var atThirty = journal.Recent();
        time.Advance(TimeSpan.FromSeconds(31));
        var atSixtyOne = journal.Recent();

        // assert: "a" made room while relevant (widened to its namespace for 10 s); "b" expired at 60 s
        Assert.Equal([new Invalidation(InvalidationKind.Key, "ns", "cache:ns:b")], atThirty);
        Assert.Empty(atSixtyOne);
        Assert.Equal(0, journal.Count);
    }

    [Fact]
    public async Task Journal_KeepsAnInvalidationForItsNamespacesLongestTtl()
    {
        // arrange: the namespace's entries live 60 s (CacheHarness.Method)
        var time = new FakeTimeProvider();
        var memory = new MemoryCacheStore(time);
        var store = new ConnectionStore(memory);
        using var client = NewClient(store, time);
        await GetAsync(client, new Source("v1"));
        await client.InvalidateKeyAsync("ns", "k");

        // act
        time.Advance(TimeSpan.FromSeconds(59));
        store.RaiseServerChanged("within the TTL");
        await WaitUntilAsync(() => client.GetStatistics().PendingInvalidations == 0);
        int replayedWithin = store.Removes;
        time.Advance(TimeSpan.FromSeconds(2));
        store.RaiseServerChanged("after the TTL");
        await WaitUntilAsync(() => client.GetStatistics().PendingInvalidations == 0);
        int replayedAfter = store.Removes - replayedWithin;

        // assert: 1 remove by the invalidation, 1 by the replay within the TTL, none after
        Assert.Equal(2, replayedWithin);
        Assert.Equal(0, replayedAfter);
    }

    private static CacheClient NewClient(ICacheStore store, TimeProvider time, ILogger<CacheClient>? logger = null, Action<CacheGenOptions>? configure = null)
    {
        // the clients stand for processes sharing one store, as they share Redis: the in-process level of each would
        // need the Redis backplane (L1BackplaneTests), so these tests run the store level alone
        var options = new CacheGenOptions();
        options.L1.Enabled = false;
        configure?.Invoke(options);
        return new CacheClient(store, new SystemTextJsonCacheSerializer(), Microsoft.Extensions.Options.Options.Create(options), logger, time);
    }

    private static ValueTask<string> GetAsync(CacheClient client, Source source, string key = "k", string[]? tags = null) =>
        client.GetOrSetAsync(CacheHarness.Method, key, tags, source, static (s, ct) => s.GetAsync(ct));

    private static async Task PutRawAsync(MemoryCacheStore memory, string key, byte[] bytes)
    {
        var current = await memory.ReadAsync(key, [], CancellationToken.None);
        byte[] header = current.Value is { } v ? v[..Math.Min(v.Length, Envelope.HeaderLength)] : [];
        Assert.True(await memory.WriteIfUnchangedAsync(key, header, bytes, TimeSpan.FromHours(1), CancellationToken.None));
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

    /// <summary>A pass-through store whose removes can fail, or be held after they landed.</summary>
    private sealed class GatedStore(ICacheStore inner) : ICacheStore
    {
        private TaskCompletionSource? _gate;

        public volatile bool FailRemoves;

        public TaskCompletionSource RemoveHeld { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "gated";

        public void HoldNextRemove()
        {
            RemoveHeld = new(TaskCreationOptions.RunContinuationsAsynchronously);
            _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        public void Release() => Interlocked.Exchange(ref _gate, null)?.TrySetResult();

        public ValueTask<CacheStoreReadResult> ReadAsync(string key, IReadOnlyList<string> stampKeys, CancellationToken cancellationToken) => inner.ReadAsync(key, stampKeys, cancellationToken);

        public ValueTask<bool> WriteIfUnchangedAsync(string key, ReadOnlyMemory<byte> expectedHeader, byte[] value, TimeSpan ttl, CancellationToken cancellationToken) => inner.WriteIfUnchangedAsync(key, expectedHeader, value, ttl, cancellationToken);

        public async ValueTask RemoveAsync(string key, byte[] tombstone, TimeSpan tombstoneTtl, CancellationToken cancellationToken)
        {
            if (FailRemoves)
            {
                throw new ChaosException();
            }

            await inner.RemoveAsync(key, tombstone, tombstoneTtl, cancellationToken);
            if (_gate is { } gate)
            {
                RemoveHeld.TrySetResult();
                await gate.Task;
            }
        }

        public ValueTask SetStampAsync(string stampKey, string stamp, TimeSpan ttl, CancellationToken cancellationToken) => inner.SetStampAsync(stampKey, stamp, ttl, cancellationToken);

        public ValueTask<string> EnsureStampAsync(string stampKey, string candidate, TimeSpan ttl, CancellationToken cancellationToken) => inner.EnsureStampAsync(stampKey, candidate, ttl, cancellationToken);

        public ValueTask<long> RemoveByPatternAsync(string pattern, CancellationToken cancellationToken) => inner.RemoveByPatternAsync(pattern, cancellationToken);
    }

    /// <summary>A pass-through store that reports connection events as the Redis store does.</summary>
    private sealed class ConnectionStore(ICacheStore inner) : ICacheStore, IStoreConnection
    {
        private int _reads;
        private int _removes;

#pragma warning disable CS0067 // part of the interface; these tests raise ServerChanged only
        public event Action? ConnectionRestored;
#pragma warning restore CS0067

        public event Action<string>? ServerChanged;

        public bool FirstConnectPending => false;

        public bool ServerCheckPending => CheckPending;

        public volatile bool CheckPending;

        public int Reads => Volatile.Read(ref _reads);

        public int Removes => Volatile.Read(ref _removes);

        public string Name => "connection";

        public void RaiseServerChanged(string reason) => ServerChanged?.Invoke(reason);

        public ValueTask<CacheStoreReadResult> ReadAsync(string key, IReadOnlyList<string> stampKeys, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _reads);
            return inner.ReadAsync(key, stampKeys, cancellationToken);
        }

        public ValueTask<bool> WriteIfUnchangedAsync(string key, ReadOnlyMemory<byte> expectedHeader, byte[] value, TimeSpan ttl, CancellationToken cancellationToken) => inner.WriteIfUnchangedAsync(key, expectedHeader, value, ttl, cancellationToken);

        public ValueTask RemoveAsync(string key, byte[] tombstone, TimeSpan tombstoneTtl, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _removes);
            return inner.RemoveAsync(key, tombstone, tombstoneTtl, cancellationToken);
        }

        public ValueTask SetStampAsync(string stampKey, string stamp, TimeSpan ttl, CancellationToken cancellationToken) => inner.SetStampAsync(stampKey, stamp, ttl, cancellationToken);

        public ValueTask<string> EnsureStampAsync(string stampKey, string candidate, TimeSpan ttl, CancellationToken cancellationToken) => inner.EnsureStampAsync(stampKey, candidate, ttl, cancellationToken);

        public ValueTask<long> RemoveByPatternAsync(string pattern, CancellationToken cancellationToken) => inner.RemoveByPatternAsync(pattern, cancellationToken);
    }
}
