using CacheGen.Runtime.Tests.Infrastructure;

namespace CacheGen.Runtime.Tests;

/// <summary>docs/design.md S12: one factory run per cold key, and cancellation that only the last waiter can pass on.</summary>
public sealed class SingleFlightTests
{
    [Theory]
    [InlineData(100)]
    [InlineData(1000)]
    public async Task GetOrSetAsync_ConcurrentCallersOnColdKey_RunFactoryOnce(int callers)
    {
        // arrange
        using var h = new CacheHarness();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var source = new Source("v1") { Gate = gate };
        var calls = new Task<string>[callers];

        // act
        Parallel.For(0, callers, i => calls[i] = h.GetAsync(source).AsTask());
        await source.Read.Task.WaitAsync(TimeSpan.FromSeconds(10));
        gate.SetResult();
        string[] results = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(10));

        // assert
        Assert.Equal(1, source.Calls);
        Assert.All(results, r => Assert.Equal("v1", r));
        Assert.Equal(1, h.Chaos.Reads);

        // the reservation written on the miss of the absent key, then the write-back that requires it
        Assert.Equal(2, h.Chaos.Writes);
    }

    [Fact]
    public async Task GetOrSetAsync_ConcurrentCallersRightAfterInvalidation_RunFactoryOnce()
    {
        // arrange
        using var h = new CacheHarness();
        var source = new Source("v1");
        await h.GetAsync(source);
        await h.Client.InvalidateKeyAsync("ns", "k");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        source.Gate = gate;
        source.Value = "v2";
        var calls = new Task<string>[500];

        // act
        Parallel.For(0, calls.Length, i => calls[i] = h.GetAsync(source).AsTask());
        gate.SetResult();
        string[] results = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(10));

        // assert
        Assert.Equal(2, source.Calls);
        Assert.All(results, r => Assert.Equal("v2", r));
    }

    [Fact]
    public async Task GetOrSetAsync_ConcurrentCallersWhileStoreIsDown_RunFactoryOnce()
    {
        // arrange: single-flight must not depend on the store
        using var h = new CacheHarness();
        h.Chaos.Faulted = true;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var source = new Source("v1") { Gate = gate };
        var calls = new Task<string>[500];

        // act
        Parallel.For(0, calls.Length, i => calls[i] = h.GetAsync(source).AsTask());
        gate.SetResult();
        string[] results = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(10));

        // assert
        Assert.Equal(1, source.Calls);
        Assert.All(results, r => Assert.Equal("v1", r));
    }

    [Fact]
    public async Task GetOrSetAsync_OneCallerCancels_OthersStillGetTheValue()
    {
        // arrange
        using var h = new CacheHarness();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var source = new Source("v1") { Gate = gate };
        using var cancelA = new CancellationTokenSource();
        var a = h.GetAsync(source, cancellationToken: cancelA.Token).AsTask();
        var b = h.GetAsync(source).AsTask();
        await source.Read.Task;

        // act
        cancelA.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => a);
        bool factoryCancelled = source.LastToken.IsCancellationRequested;
        gate.SetResult();
        string fromB = await b.WaitAsync(TimeSpan.FromSeconds(10));

        // assert
        Assert.False(factoryCancelled);
        Assert.Equal("v1", fromB);
        Assert.Equal(1, source.Calls);
    }

    [Fact]
    public async Task GetOrSetAsync_EveryCallerCancels_CancelsTheFactory()
    {
        // arrange
        using var h = new CacheHarness();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var source = new Source("v1") { Gate = gate };
        using var cancelA = new CancellationTokenSource();
        using var cancelB = new CancellationTokenSource();
        var a = h.GetAsync(source, cancellationToken: cancelA.Token).AsTask();
        var b = h.GetAsync(source, cancellationToken: cancelB.Token).AsTask();
        await source.Read.Task;
        var factoryToken = source.LastToken;

        // act
        cancelA.Cancel();
        bool cancelledAfterA = factoryToken.IsCancellationRequested;
        cancelB.Cancel();

        // assert
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => a);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => b);
        Assert.False(cancelledAfterA);
        Assert.True(factoryToken.IsCancellationRequested);
    }

    [Fact]
    public async Task GetOrSetAsync_CallerAfterEveryoneCancelled_StartsANewFlight()
    {
        // arrange
        using var h = new CacheHarness();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var source = new Source("v1") { Gate = gate };
        using var cancel = new CancellationTokenSource();
        var abandoned = h.GetAsync(source, cancellationToken: cancel.Token).AsTask();
        await source.Read.Task;
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);

        // act
        source.Gate = null;
        source.Value = "v2";
        string next = await h.GetAsync(source).AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        // assert
        Assert.Equal("v2", next);
        Assert.Equal(2, source.Calls);
    }

    [Fact]
    public async Task GetOrSetAsync_FactoryThrows_EveryWaiterGetsTheException()
    {
        // arrange
        using var h = new CacheHarness();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var source = new Source("v1") { Gate = gate, Throw = new InvalidOperationException("boom") };
        var calls = Enumerable.Range(0, 10).Select(_ => h.GetAsync(source).AsTask()).ToArray();

        // act
        gate.SetResult();

        // assert
        foreach (var call in calls)
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => call);
        }

        Assert.Equal(1, source.Calls);
    }

    [Fact]
    public async Task GetOrSetAsync_LastCallerCancelsAsTheFactoryCompletes_ThrowsOperationCanceled()
    {
        // arrange: the caller's token completes the factory from inside its own cancellation, so the flight
        // completes (and disposes its token source) around the moment the caller's wait sees the cancellation;
        // when the wait loses that race the caller then leaves a finished flight
        using var h = new CacheHarness(chaos: false);
        var outcomes = new List<string>();

        for (int i = 0; i < 50; i++)
        {
            var gate = new TaskCompletionSource<string>();
            using var cancel = new CancellationTokenSource();
            var call = h.Client.GetOrSetAsync(CacheHarness.Method, "k" + i, null, gate, static async (g, _) => await g.Task.ConfigureAwait(false), cancel.Token).AsTask();
            cancel.Token.Register(() => gate.TrySetResult("v1"));

            // act
            try
            {
                cancel.Cancel();
            }
            catch (AggregateException)
            {
                // surfaces below through the caller's task
            }

            var thrown = await Record.ExceptionAsync(() => call);
            outcomes.Add(thrown?.GetType().Name ?? "value");
        }

        // assert: the caller's own cancellation, or the value; never an ObjectDisposedException
        Assert.All(outcomes, o => Assert.True(o is "value" or nameof(OperationCanceledException) or nameof(TaskCanceledException), o));
    }

    [Fact]
    public async Task GetOrSetAsync_CallAfterAnInvalidation_DoesNotJoinTheOlderComputation()
    {
        // arrange: a computation that read the old value and is still running
        using var h = new CacheHarness(chaos: false);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string source = "old";
        int calls = 0;
        async ValueTask<string> Factory(int _, CancellationToken ct)
        {
            Interlocked.Increment(ref calls);
            string read = source;
            await gate.Task.WaitAsync(ct);
            return read;
        }

        var first = h.Client.GetOrSetAsync(CacheHarness.Method, "k", null, 0, Factory).AsTask();
        await WaitForAsync(() => Volatile.Read(ref calls) == 1);

        // act: the data changes and is invalidated, then a new call arrives
        source = "new";
        await h.Client.InvalidateKeyAsync(CacheHarness.Method.Namespace, "k");
        var second = h.Client.GetOrSetAsync(CacheHarness.Method, "k", null, 0, Factory).AsTask();
        await WaitForAsync(() => Volatile.Read(ref calls) == 2);
        gate.SetResult();

        // assert: the older caller gets what it started, the newer one the new value
        Assert.Equal("old", await first);
        Assert.Equal("new", await second);
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task GetOrSet_ConcurrentSynchronousCallers_RunFactoryOnce()
    {
        // arrange: 32 threads on a cold key, the factory held until all have arrived
        using var h = new CacheHarness(chaos: false);
        using var gate = new ManualResetEventSlim();
        int calls = 0;
        string Factory(int _)
        {
            Interlocked.Increment(ref calls);
            gate.Wait(TimeSpan.FromSeconds(10));
            return "value";
        }

        // act
        var callers = Enumerable.Range(0, 32)
            .Select(_ => Task.Factory.StartNew(() => h.Client.GetOrSet(CacheHarness.Method, "sync", null, 0, Factory), TaskCreationOptions.LongRunning))
            .ToList();
        await WaitForAsync(() => Volatile.Read(ref calls) == 1);
        await Task.Delay(100);
        gate.Set();
        string[] results = await Task.WhenAll(callers);

        // assert
        Assert.Equal(1, calls);
        Assert.All(results, r => Assert.Equal("value", r));
    }

    [Fact]
    public async Task GetOrSetAsync_UnrelatedInvalidationsWhileComputing_RunFactoryOnce()
    {
        // arrange: 100 callers of one key arrive while other keys, another namespace and another tag are invalidated
        // between every two of them (issue 9: a process-wide counter gave 18 runs with one every 10 ms)
        using var h = new CacheHarness();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var source = new Source("v1") { Gate = gate };
        string[] tags = ["t1"];
        var calls = new List<Task<string>>();

        // act
        for (int i = 0; i < 100; i++)
        {
            calls.Add(h.GetAsync(source, tags: tags).AsTask());
            var invalidation = (i % 3) switch
            {
                0 => h.Client.InvalidateKeyAsync("ns", "other-" + i),
                1 => h.Client.InvalidateNamespaceAsync("other-ns"),
                _ => h.Client.InvalidateTagAsync("t2"),
            };
            await invalidation;
        }

        gate.SetResult();
        string[] results = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(10));

        // assert
        Assert.Equal(1, source.Calls);
        Assert.All(results, r => Assert.Equal("v1", r));
    }

    [Theory]
    [InlineData("namespace")]
    [InlineData("tag")]
    public async Task GetOrSetAsync_CallAfterAnInvalidationOfItsNamespaceOrTag_DoesNotJoinTheOlderComputation(string scope)
    {
        // arrange: a computation that read the old value and is still running
        using var h = new CacheHarness();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var source = new Source("old") { Gate = gate };
        string[] tags = ["t1", "t2"];
        var first = h.GetAsync(source, tags: tags).AsTask();
        await source.Read.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // act: the data changes and its namespace (or one of its tags) is invalidated, then a new call arrives
        source.Value = "new";
        source.ResetRead();
        await (scope == "namespace" ? h.Client.InvalidateNamespaceAsync("ns") : h.Client.InvalidateTagAsync("t2"));
        var second = h.GetAsync(source, tags: tags).AsTask();
        await source.Read.Task.WaitAsync(TimeSpan.FromSeconds(10));
        gate.SetResult();

        // assert: the older caller gets what it started, the newer one the new value
        Assert.Equal("old", await first.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("new", await second.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(2, source.Calls);
    }

    [Fact]
    public async Task GetOrSetAsync_CoreNeverReturns_LaterCallersStopWaitingAfterTheJoinTimeout()
    {
        // arrange: default options (JoinTimeoutMs 5000); the first computation hangs and ignores its token
        using var h = new CacheHarness();
        var never = new TaskCompletionSource<string>();
        int calls = 0;
        ValueTask<string> Factory(int _, CancellationToken ct) =>
            Interlocked.Increment(ref calls) == 1 ? new ValueTask<string>(never.Task) : new ValueTask<string>("v2");

        var hung = h.Client.GetOrSetAsync(CacheHarness.Method, "k", null, 0, Factory).AsTask();
        await WaitForAsync(() => Volatile.Read(ref calls) == 1);
        int timers = h.Time.TimersCreated;
        var waiting = h.Client.GetOrSetAsync(CacheHarness.Method, "k", null, 0, Factory).AsTask();
        await WaitForAsync(() => h.Time.TimersCreated >= timers + 1);

        // act
        h.Time.Advance(TimeSpan.FromMilliseconds(4999));
        bool waitedBefore = !waiting.IsCompleted;
        h.Time.Advance(TimeSpan.FromMilliseconds(1));
        string value = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        string later = await h.Client.GetOrSetAsync(CacheHarness.Method, "k", null, 0, Factory).AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        // assert: the waiter ran its own Core once the bound passed; a later caller reads what it wrote back
        Assert.True(waitedBefore);
        Assert.Equal("v2", value);
        Assert.Equal("v2", later);
        Assert.Equal(2, calls);
        Assert.False(hung.IsCompleted);
        Assert.Equal(1, h.Errors.Sum((CacheGenDiagnostics.ErrorTypeTag, "join_timeout")));
        Assert.Single(h.Logger.Collector.GetSnapshot(), e => e.Id.Id == 18);
    }

    [Fact]
    public async Task GetOrSetAsync_CallersGivingUpTogether_ShareOneNewComputation()
    {
        // arrange: 50 callers wait behind a computation that hangs
        using var h = new CacheHarness();
        var never = new TaskCompletionSource<string>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int calls = 0;
        async ValueTask<string> Factory(int _, CancellationToken ct)
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                return await never.Task;
            }

            await gate.Task;
            return "v2";
        }

        _ = h.Client.GetOrSetAsync(CacheHarness.Method, "k", null, 0, Factory).AsTask();
        await WaitForAsync(() => Volatile.Read(ref calls) == 1);
        int timers = h.Time.TimersCreated;
        var waiting = Enumerable.Range(0, 50).Select(_ => h.Client.GetOrSetAsync(CacheHarness.Method, "k", null, 0, Factory).AsTask()).ToList();
        await WaitForAsync(() => h.Time.TimersCreated >= timers + 50);

        // act
        h.Time.Advance(TimeSpan.FromMilliseconds(5000));
        await WaitForAsync(() => Volatile.Read(ref calls) >= 2);
        gate.SetResult();
        string[] values = await Task.WhenAll(waiting).WaitAsync(TimeSpan.FromSeconds(10));

        // assert: no stampede when the bound passes
        Assert.All(values, v => Assert.Equal("v2", v));
        Assert.Equal(2, calls);
        Assert.Single(h.Logger.Collector.GetSnapshot(), e => e.Id.Id == 18);
    }

    [Fact]
    public async Task GetOrSet_SyncCoreNeverReturns_LaterSyncCallerStopsWaiting()
    {
        // arrange: the synchronous path waits on its own thread (no timer), so this one runs on real time, shortened
        using var h = new CacheHarness(o => o.JoinTimeoutMs = 300, chaos: false);
        using var release = new ManualResetEventSlim();
        int calls = 0;
        string Factory(int _)
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                release.Wait(TimeSpan.FromSeconds(30));
                return "v1";
            }

            return "v2";
        }

        var hung = Task.Factory.StartNew(() => h.Client.GetOrSet(CacheHarness.Method, "k", null, 0, Factory), TaskCreationOptions.LongRunning);
        await WaitForAsync(() => Volatile.Read(ref calls) == 1);

        // act
        var watch = System.Diagnostics.Stopwatch.StartNew();
        string value = await Task.Factory.StartNew(() => h.Client.GetOrSet(CacheHarness.Method, "k", null, 0, Factory), TaskCreationOptions.LongRunning).WaitAsync(TimeSpan.FromSeconds(10));
        var waited = watch.Elapsed;
        release.Set();
        await hung;

        // assert
        Assert.Equal("v2", value);
        Assert.InRange(waited, TimeSpan.FromMilliseconds(290), TimeSpan.FromSeconds(5));
        Assert.Equal(2, calls);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), "condition not met within 5 s");
            await Task.Delay(1);
        }
    }
}
