using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace CacheGen.IntegrationTests.Infrastructure;

/// <summary>
/// Issue 10 item 3: 16 callers reading and invalidating through one <see cref="TestCache"/> while a fault runs, against
/// an oracle of versions. A read is stale when it returns a version older than one whose update and invalidation had
/// both returned before the read started. A probe reads a fresh key of the failed-over slots twice
/// every 50 ms: the second read is a hit only once the first one's write-back landed, so the first such hit is the time
/// at which writes and hits are back (it starts once the replica reports itself promoted).
/// </summary>
internal sealed class FailoverWorkload(string configuration, TestCache cache, CachedMethod method, IReadOnlyList<string> keys, IReadOnlyList<string> probeKeys)
{
    private const int Callers = 16;
    private readonly ConcurrentDictionary<string, int> _versions = new(StringComparer.Ordinal);

    // per key, the newest version whose invalidation has returned: what every later read must see at least
    private readonly ConcurrentDictionary<string, int> _acknowledged = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(TimeSpan At, bool Stale, string Key)> _reads = new();
    private readonly ConcurrentQueue<Exception> _exceptions = new();
    private readonly Stopwatch _clock = new();
    private long _invalidations;

    /// <summary>
    /// The outcome of <see cref="RunAsync"/>; times are from the start of the fault. <see cref="StaleAtTheEnd"/> counts
    /// the keys a second client of the same prefix reads stale once the queue is empty (or after 10 s).
    /// </summary>
    internal sealed record Result(
        int Reads,
        long Invalidations,
        IReadOnlyList<Exception> Exceptions,
        TimeSpan Promoted,
        int StaleBeforePromotion,
        int StaleAfterPromotion,
        TimeSpan? WritesAndHitsBack,
        TimeSpan? PendingDrained,
        int MaxPending,
        int StaleAtTheEnd)
    {
        /// <summary>
        /// Issue 10's bound: no caller exception, no stale read after the promotion, nothing stale at the end, writes
        /// and hits back and the queue of invalidations empty within 5 s of the promotion, and, when the fault is a kill
        /// (<paramref name="backAfterFault"/>), writes and hits back within that long of it. A requested Sentinel
        /// failover has no kill: how long the sentinels take to promote is theirs (0.2–4.2 s here), not CacheGen's.
        /// </summary>
        public void AssertFollowed(ITestOutputHelper output, CacheClient client, TimeSpan? backAfterFault = null)
        {
            output.WriteLine(ToString());
            output.WriteLine("client: " + client.GetStatistics());
            foreach (var e in Exceptions.Take(3))
            {
                output.WriteLine(e.ToString());
            }

            Assert.Empty(Exceptions);
            Assert.Equal(0, StaleAfterPromotion);
            Assert.Equal(0, StaleAtTheEnd);
            Assert.NotNull(WritesAndHitsBack);
            Assert.True(WritesAndHitsBack - Promoted <= TimeSpan.FromSeconds(5), $"writes and hits back after {WritesAndHitsBack}, {WritesAndHitsBack - Promoted} after the promotion");
            if (backAfterFault is { } bound)
            {
                Assert.True(WritesAndHitsBack <= bound, $"writes and hits back after {WritesAndHitsBack}");
            }

            Assert.NotNull(PendingDrained);
            // the queue drains after the replays a promotion and the old primary's demotion start: within 5 s of the
            // promotion (how long Sentinel or the cluster take to promote is theirs, not CacheGen's; with Sentinel the promotion
            // counts once a sentinel names the new primary, the earliest a Sentinel client can learn of it)
            Assert.True(PendingDrained - Promoted <= TimeSpan.FromSeconds(5), $"queued invalidations drained after {PendingDrained}, {PendingDrained - Promoted} after the promotion");
        }

        public override string ToString() =>
            FormattableString.Invariant($"{Reads} reads, {Invalidations} invalidations, {Exceptions.Count} caller exceptions; promoted after {Promoted.TotalMilliseconds:F0} ms; stale reads {StaleBeforePromotion} before / {StaleAfterPromotion} after the promotion; writes and hits back after {WritesAndHitsBack?.TotalMilliseconds:F0} ms; queued invalidations max {MaxPending}, empty for good after {PendingDrained?.TotalMilliseconds:F0} ms; stale at the end {StaleAtTheEnd}");
    }

    /// <summary>
    /// Runs the callers for a second, then <paramref name="fault"/> (which returns once the replica is promoted, with
    /// the time from the fault), then until the probe succeeded, the queue of invalidations is empty and at least
    /// <paramref name="after"/> has passed (15 s at most); then
    /// waits for the queued invalidations and reads every key once more.
    /// </summary>
    public async Task<Result> RunAsync(Func<Task<TimeSpan>> fault, TimeSpan after)
    {
        _clock.Start();
        using var stop = new CancellationTokenSource();
        var callers = Enumerable.Range(0, Callers).Select(c => Task.Run(() => CallerAsync(c, stop.Token))).ToList();
        await Task.Delay(1000);

        var faultAt = _clock.Elapsed;
        using var probeStop = new CancellationTokenSource();
        using var watchStop = new CancellationTokenSource();
        var pending = Task.Run(() => WatchPendingAsync(faultAt, watchStop.Token));
        TimeSpan promoted = await fault();

        // the failed-over slots take no write before the promotion, so the probe starts there
        var probe = Task.Run(() => ProbeAsync(faultAt, probeStop.Token));
        TimeSpan? back = null;
        bool queueEmptied = false;
        while (_clock.Elapsed - faultAt < TimeSpan.FromSeconds(15))
        {
            back ??= probe.IsCompleted ? await probe : null;
            if (back is not null && _clock.Elapsed - faultAt >= after && cache.Client.GetStatistics().PendingInvalidations == 0)
            {
                queueEmptied = true;
                break;
            }

            await Task.Delay(20);
        }

        await watchStop.CancelAsync();
        await stop.CancelAsync();
        await Task.WhenAll(callers);
        await probeStop.CancelAsync();
        back ??= probe.IsCompletedSuccessfully ? await probe : null;
        var (lastPending, maxPending) = await pending;
        TimeSpan? drained = queueEmptied ? lastPending : null;

        // every invalidation made before and during the fault must have reached Redis: no key is stale now
        var settle = Stopwatch.StartNew();
        while (cache.Client.GetStatistics().PendingInvalidations > 0 && settle.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50);
        }

        // read by a second client of the same prefix, as another process would: it holds no queued invalidation of its
        // own, so it sees what Redis holds
        using var observer = await TestCache.CreateAsync(configuration, o => o.KeyPrefix = cache.Options.KeyPrefix);
        int staleAtEnd = 0;
        foreach (string key in keys)
        {
            int expected = _versions.GetValueOrDefault(key);
            string value = await observer.GetAsync(method, key, () => Compute(key));
            staleAtEnd += Version(value) < expected ? 1 : 0;
        }

        var reads = _reads.ToList();
        var promotedAt = faultAt + promoted;
        return new Result(
            reads.Count,
            Interlocked.Read(ref _invalidations),
            [.. _exceptions],
            promoted,
            reads.Count(r => r.Stale && r.At <= promotedAt),
            reads.Count(r => r.Stale && r.At > promotedAt),
            back,
            drained,
            maxPending,
            staleAtEnd);
    }

    private static int Version(string value) => int.Parse(value[(value.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);

    private string Compute(string key) => key + ":" + _versions.GetValueOrDefault(key).ToString(CultureInfo.InvariantCulture);

    private async Task CallerAsync(int caller, CancellationToken stop)
    {
        var random = new Random(caller);
        while (!stop.IsCancellationRequested)
        {
            string key = keys[random.Next(keys.Count)];
            try
            {
                if (random.Next(10) == 0)
                {
                    // an [InvalidatesCache] method: the data changes, then the invalidation runs
                    int version = _versions.AddOrUpdate(key, 1, static (_, v) => v + 1);
                    await cache.Client.InvalidateKeyAsync(method.Namespace, key, CancellationToken.None);
                    _acknowledged.AddOrUpdate(key, version, (_, v) => Math.Max(v, version));
                    Interlocked.Increment(ref _invalidations);
                }
                else
                {
                    // a read concurrent with an invalidation still under way may see either value (with L1, the
                    // process's copy while Redis has not taken the invalidation yet); one that starts after it returned may not
                    int before = _acknowledged.GetValueOrDefault(key);
                    var start = _clock.Elapsed;
                    string value = await cache.GetAsync(method, key, () => Compute(key));
                    _reads.Enqueue((start, Version(value) < before, key));
                }
            }
            catch (Exception e)
            {
                _exceptions.Enqueue(e);
            }

            await Task.Delay(random.Next(3));
        }
    }

    private async Task<TimeSpan?> ProbeAsync(TimeSpan faultAt, CancellationToken stop)
    {
        foreach (string key in probeKeys)
        {
            if (stop.IsCancellationRequested)
            {
                return null;
            }

            bool first = false;
            bool second = false;
            await cache.GetAsync(method, key, () =>
            {
                first = true;
                return key + ":0";
            });
            await cache.GetAsync(method, key, () =>
            {
                second = true;
                return key + ":0";
            });
            if (first && !second)
            {
                return _clock.Elapsed - faultAt;
            }

            await Task.Delay(50, CancellationToken.None);
        }

        return null;
    }

    /// <summary>Samples the queued invalidations: the last time the queue was not empty, and its maximum.</summary>
    private async Task<(TimeSpan LastNotEmpty, int Max)> WatchPendingAsync(TimeSpan faultAt, CancellationToken stop)
    {
        int max = 0;
        TimeSpan lastNonZero = TimeSpan.Zero;
        while (!stop.IsCancellationRequested)
        {
            int pending = cache.Client.GetStatistics().PendingInvalidations;
            max = Math.Max(max, pending);
            if (pending > 0)
            {
                lastNonZero = _clock.Elapsed - faultAt;
            }

            await Task.Delay(20, CancellationToken.None);
        }

        return (lastNonZero, max);
    }
}
