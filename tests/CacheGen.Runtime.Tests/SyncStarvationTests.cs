using System.Collections.Concurrent;
using System.Diagnostics;
using CacheGen.Runtime.Tests.Infrastructure;
using CacheGen.Stores;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CacheGen.Runtime.Tests;

/// <summary>
/// Issue 9: synchronous calls while the thread pool is starved. The store's replies arrive (on the store's own
/// thread, as StackExchange.Redis's do) but the code awaiting them, and the timeout's timer, need a pool thread that
/// is not there. Such a call must neither hold its thread for seconds nor count toward the circuit breaker, and the
/// warning is rate-limited. Runs alone (it starves the whole process for a few seconds).
/// </summary>
[Collection(nameof(RealTimeCollection))]
public sealed class SyncStarvationTests(ITestOutputHelper output)
{
    private static readonly CachedMethod s_method = new("ns", "T.M~1", 60, "fp");

    [Fact]
    public void GetOrSet_ThreadPoolStarved_HoldsNoThreadForSecondsAndCountsNoStoreFault()
    {
        // arrange: default options, real time; the replies arrive at once, so every delay is this process's
        using var store = new ReplyThreadStore(new MemoryCacheStore(TimeProvider.System));
        var logger = new FakeLogger<CacheClient>();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var metrics = new MetricCollector<long>(meters, CacheGenDiagnostics.MeterName, CacheGenDiagnostics.ErrorsInstrument);
        using var client = new CacheClient(store, new SystemTextJsonCacheSerializer(), Microsoft.Extensions.Options.Options.Create(new CacheGenOptions()), logger, TimeProvider.System, meters);

        // cached before the pool is blocked (the write-back goes on in the background; a first call of a cold process
        // may itself be slower than the bound on a busy machine)
        var warming = Stopwatch.StartNew();
        while (client.GetStatistics().Hits == 0 && warming.Elapsed < TimeSpan.FromSeconds(10))
        {
            Assert.Equal("warm", client.GetOrSet(s_method, "warm", null, 0, _ => "warm"));
            Thread.Sleep(10);
        }

        using var release = new ManualResetEventSlim();
        int blockers = ThreadPool.ThreadCount + 64;
        for (int i = 0; i < blockers; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static r => ((ManualResetEventSlim)r!).Wait(), release);
        }

        double timeoutsWarming = ReadTimeouts(metrics);
        var held = new ConcurrentBag<TimeSpan>();
        var run = Stopwatch.StartNew();
        int pendingAtStart = (int)ThreadPool.PendingWorkItemCount;

        // act: 4 threads of synchronous calls for 3 s
        var callers = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            int n = 0;
            while (run.Elapsed < TimeSpan.FromSeconds(3))
            {
                var call = Stopwatch.StartNew();
                client.GetOrSet(s_method, "k" + (t * 1000) + (n++ % 10), null, 0, _ => "v");
                held.Add(call.Elapsed);
            }
        })).ToList();
        callers.ForEach(c => c.Start());
        callers.ForEach(c => c.Join());
        int warningsWhileStarved = logger.Collector.GetSnapshot().Select(e => e.Id.Id).Count(id => id == 16);
        int pendingAtEnd = (int)ThreadPool.PendingWorkItemCount;
        release.Set();

        // let the late continuations (abandoned reads, timers) run, then look at what they counted
        var settle = Stopwatch.StartNew();
        while (ThreadPool.PendingWorkItemCount > 0 && settle.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(50);
        }

        Thread.Sleep(1500);
        double timeouts = ReadTimeouts(metrics) - timeoutsWarming;
        double otherTimeouts = metrics.Sum((CacheGenDiagnostics.ErrorTypeTag, "timeout")) - ReadTimeouts(metrics);
        double local = metrics.Sum((CacheGenDiagnostics.ErrorTypeTag, "sync_wait"));
        var longest = held.Max();
        output.WriteLine($"calls {held.Count}, longest {longest.TotalMilliseconds:F0} ms, median {held.Order().ElementAt(held.Count / 2).TotalMilliseconds:F0} ms, "
            + $"warnings {warningsWhileStarved}, sync_wait {local}, read timeouts counted {timeouts} (+{timeoutsWarming} warming), other timeouts {otherTimeouts}, circuit {client.CircuitState}, "
            + $"pool pending {pendingAtStart} -> {pendingAtEnd}, threads {ThreadPool.ThreadCount}");

        // assert: starved for the whole run, each call held its thread well under a second, the local cause counted as
        // such (never as a store timeout), one warning in the whole test (well within 10 s), and the cache works once
        // the pool is back
        Assert.True(pendingAtEnd > 0, "the pool was not starved until the end");
        Assert.True(local > 0, "no call found the pool starved");
        Assert.InRange(longest, TimeSpan.Zero, TimeSpan.FromMilliseconds(900));
        Assert.Equal(1, warningsWhileStarved);
        Assert.Equal(0, timeouts);
        Assert.Equal(CircuitState.Closed, client.CircuitState);
        var final = Stopwatch.StartNew();
        string warm = client.GetOrSet(s_method, "warm", null, 0, _ => "recomputed");
        output.WriteLine($"after: {warm} in {final.Elapsed.TotalMilliseconds:F0} ms, {client.GetStatistics()}, sync_wait {metrics.Sum((CacheGenDiagnostics.ErrorTypeTag, "sync_wait"))}");
        Assert.Equal("warm", warm);
    }

    // the reads the callers waited for, and the reservations inside them
    private static double ReadTimeouts(MetricCollector<long> metrics) =>
        metrics.Sum((CacheGenDiagnostics.ErrorTypeTag, "timeout"), (CacheGenDiagnostics.OperationTag, "read"))
        + metrics.Sum((CacheGenDiagnostics.ErrorTypeTag, "timeout"), (CacheGenDiagnostics.OperationTag, "reserve"))
        + metrics.Sum((CacheGenDiagnostics.ErrorTypeTag, "timeout"), (CacheGenDiagnostics.OperationTag, "ensure_stamp"));

    /// <summary>
    /// A store whose results are handed over by one thread of its own, so the awaiting code continues on the pool, as
    /// with StackExchange.Redis.
    /// </summary>
    private sealed class ReplyThreadStore : ICacheStore, IDisposable
    {
        private readonly ICacheStore _inner;
        private readonly BlockingCollection<Action> _replies = [];
        private readonly Thread _thread;

        public ReplyThreadStore(ICacheStore inner)
        {
            _inner = inner;
            _thread = new Thread(() =>
            {
                foreach (var reply in _replies.GetConsumingEnumerable())
                {
                    reply();
                }
            })
            { IsBackground = true };
            _thread.Start();
        }

        public string Name => "reply-thread";

        public ValueTask<CacheStoreReadResult> ReadAsync(string key, IReadOnlyList<string> stampKeys, CancellationToken cancellationToken) =>
            Reply(_inner.ReadAsync(key, stampKeys, cancellationToken), cancellationToken);

        public ValueTask<bool> WriteIfUnchangedAsync(string key, ReadOnlyMemory<byte> expectedHeader, byte[] value, TimeSpan ttl, CancellationToken cancellationToken) =>
            Reply(_inner.WriteIfUnchangedAsync(key, expectedHeader, value, ttl, cancellationToken), cancellationToken);

        public async ValueTask RemoveAsync(string key, byte[] tombstone, TimeSpan tombstoneTtl, CancellationToken cancellationToken)
        {
            await _inner.RemoveAsync(key, tombstone, tombstoneTtl, cancellationToken);
            await Reply(new ValueTask<bool>(true), cancellationToken);
        }

        public async ValueTask SetStampAsync(string stampKey, string stamp, TimeSpan ttl, CancellationToken cancellationToken)
        {
            await _inner.SetStampAsync(stampKey, stamp, ttl, cancellationToken);
            await Reply(new ValueTask<bool>(true), cancellationToken);
        }

        public ValueTask<string> EnsureStampAsync(string stampKey, string candidate, TimeSpan ttl, CancellationToken cancellationToken) =>
            Reply(_inner.EnsureStampAsync(stampKey, candidate, ttl, cancellationToken), cancellationToken);

        public ValueTask<long> RemoveByPatternAsync(string pattern, CancellationToken cancellationToken) =>
            Reply(_inner.RemoveByPatternAsync(pattern, cancellationToken), cancellationToken);

        private static async Task<T> AwaitReplyAsync<T>(Task<T> reply, CancellationToken cancellationToken)
        {
            try
            {
                return await reply.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (reply.IsCompletedSuccessfully)
            {
                return reply.Result;
            }
        }

        public void Dispose()
        {
            _replies.CompleteAdding();
            _thread.Join(TimeSpan.FromSeconds(5));
        }

        // like RedisCacheStore: the wait for the reply is bounded by the token (which carries the operation timeout),
        // and a reply that arrived before the token fired is used
        private ValueTask<T> Reply<T>(ValueTask<T> inner, CancellationToken cancellationToken)
        {
            T value = inner.GetAwaiter().GetResult();
            var reply = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            _replies.Add(() => reply.SetResult(value));
            return new ValueTask<T>(AwaitReplyAsync(reply.Task, cancellationToken));
        }
    }
}
