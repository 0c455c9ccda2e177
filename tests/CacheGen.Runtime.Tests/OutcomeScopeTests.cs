using CacheGen.Runtime.Tests.Infrastructure;

namespace CacheGen.Runtime.Tests;

/// <summary><see cref="CacheOutcomeScope"/>: how a caller learns whether its cached call was a hit, its key and its TTL.</summary>
public sealed class OutcomeScopeTests
{
    [Fact]
    public async Task Scope_MissThenHit_RecordsResultKeyAndTimeToLive()
    {
        // arrange
        using var h = new CacheHarness();
        var source = new Source("v1");
        CacheCallOutcome? miss, hit;

        // act
        using (var scope = CacheOutcomeScope.Begin())
        {
            await h.GetAsync(source, "k");
            miss = scope.Last;
        }

        h.Time.Advance(TimeSpan.FromSeconds(10));
        using (var scope = CacheOutcomeScope.Begin())
        {
            await h.GetAsync(source, "k");
            hit = Assert.Single(scope.Calls);
        }

        // assert
        Assert.Equal(new CacheCallOutcome("ns", h.FullKey("k"), CacheCallResult.Miss, TimeSpan.FromSeconds(60), null), miss);
        Assert.Equal(new CacheCallOutcome("ns", h.FullKey("k"), CacheCallResult.Hit, TimeSpan.FromSeconds(50), null), hit);
        Assert.Equal(1, source.Calls);
    }

    [Fact]
    public async Task Scope_NamespaceTtlOverride_IsTheTtlReported()
    {
        // arrange
        using var h = new CacheHarness(o => o.Namespaces["ns"] = new CacheNamespaceOptions { TtlSeconds = 300 });
        using var scope = CacheOutcomeScope.Begin();

        // act
        await h.GetAsync(new Source(), "k");
        await h.GetAsync(new Source(), "k");

        // assert
        Assert.Equal([TimeSpan.FromSeconds(300), TimeSpan.FromSeconds(300)], scope.Calls.Select(c => c.TimeToLive));
    }

    [Fact]
    public async Task Scope_StoreFault_RecordsErrorWithItsTypeAndNoTtl()
    {
        // arrange
        using var h = new CacheHarness();
        h.Chaos.Faulted = true;
        using var scope = CacheOutcomeScope.Begin();

        // act
        await h.GetAsync(new Source(), "k");

        // assert
        var call = Assert.Single(scope.Calls);
        Assert.Equal(CacheCallResult.Error, call.Result);
        Assert.Equal("store", call.ErrorType);
        Assert.Null(call.TimeToLive);
    }

    [Fact]
    public async Task Scope_FailedWriteBack_IsAMissWithoutTtl()
    {
        // arrange
        using var h = new CacheHarness();
        using var scope = CacheOutcomeScope.Begin();
        var source = new Source { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var pending = h.GetAsync(source, "k").AsTask();
        await source.Read.Task.WaitAsync(TimeSpan.FromSeconds(10));
        h.Chaos.FailWrites = true;

        // act
        source.Gate.SetResult();
        await pending.WaitAsync(TimeSpan.FromSeconds(10));

        // assert
        var call = Assert.Single(scope.Calls);
        Assert.Equal(CacheCallResult.Miss, call.Result);
        Assert.Null(call.TimeToLive);
        Assert.NotNull(call.ErrorType);
    }

    [Fact]
    public async Task Scope_ConcurrentCallers_OneMissOneCoalescedEachInItsOwnScope()
    {
        // arrange
        using var h = new CacheHarness();
        var source = new Source("v1") { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        CacheOutcomeScope? first = null, second = null;

        // act
        var a = Task.Run(async () =>
        {
            using var scope = first = CacheOutcomeScope.Begin();
            await h.GetAsync(source, "k");
        });
        await source.Read.Task;
        var b = Task.Run(async () =>
        {
            using var scope = second = CacheOutcomeScope.Begin();
            await h.GetAsync(source, "k");
        });
        while (second is null)
        {
            await Task.Yield();
        }

        // the joiner records as soon as it joins; release the factory once it has
        while (second.Calls.Count == 0)
        {
            await Task.Delay(1);
        }

        source.Gate.SetResult();
        await Task.WhenAll(a, b);

        // assert
        Assert.Equal(CacheCallResult.Miss, Assert.Single(first!.Calls).Result);
        Assert.Equal(CacheCallResult.Coalesced, Assert.Single(second.Calls).Result);
        Assert.Equal(1, source.Calls);
    }

    [Fact]
    public async Task Scope_Nested_InnerGetsTheCallsMadeWhileCurrentAndDisposeRestoresTheOuter()
    {
        // arrange
        using var h = new CacheHarness();
        using var outer = CacheOutcomeScope.Begin();

        // act
        await h.GetAsync(new Source(), "a");
        using (var inner = CacheOutcomeScope.Begin())
        {
            await h.GetAsync(new Source(), "b");
            Assert.Equal([h.FullKey("b")], inner.Calls.Select(c => c.Key));
        }

        await h.GetAsync(new Source(), "c");

        // assert
        Assert.Same(outer, CacheOutcomeScope.Current);
        Assert.Equal([h.FullKey("a"), h.FullKey("c")], outer.Calls.Select(c => c.Key));
    }

    [Fact]
    public async Task Scope_CachedCallInsideAnImplementation_EachCallRecordsItsOwnOutcome()
    {
        // arrange: the outer implementation makes a cached call of its own (a hit the second time)
        using var h = new CacheHarness();
        await h.GetAsync(new Source("inner"), "inner");
        using var scope = CacheOutcomeScope.Begin();

        // act
        string value = await h.Client.GetOrSetAsync(CacheHarness.Method, "outer", null, h, static async (harness, _) =>
            "outer+" + await harness.GetAsync(new Source("never"), "inner"));

        // assert: the inner hit does not turn the outer miss into a hit, and each keeps its own TTL
        Assert.Equal("outer+inner", value);
        Assert.Equal(
            [(h.FullKey("inner"), CacheCallResult.Hit), (h.FullKey("outer"), CacheCallResult.Miss)],
            scope.Calls.Select(c => (c.Key, c.Result)));
        Assert.Equal(TimeSpan.FromSeconds(60), scope.Calls[1].TimeToLive);
    }

    [Fact]
    public void Scope_SyncGetOrSet_RecordsMissThenHit()
    {
        // arrange
        using var h = new CacheHarness();
        using var scope = CacheOutcomeScope.Begin();

        // act
        h.Client.GetOrSet(CacheHarness.Method, "k", null, new Source("v"), static s => s.Get());
        h.Client.GetOrSet(CacheHarness.Method, "k", null, new Source("v"), static s => s.Get());

        // assert
        Assert.Equal([CacheCallResult.Miss, CacheCallResult.Hit], scope.Calls.Select(c => c.Result));
    }

    [Fact]
    public async Task Scope_DisabledCache_RecordsNothing()
    {
        // arrange
        using var h = new CacheHarness(o => o.Enabled = false);
        using var scope = CacheOutcomeScope.Begin();

        // act
        await h.GetAsync(new Source(), "k");

        // assert
        Assert.Empty(scope.Calls);
        Assert.Null(scope.Last);
    }
}
