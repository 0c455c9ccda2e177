using System.Collections.Concurrent;
using System.Diagnostics;
using CacheGen.Runtime.Tests.Infrastructure;

namespace CacheGen.Runtime.Tests;

/// <summary>The <c>CacheGen</c> activity source: one span per cached call that read the store, never the key unless asked.</summary>
public sealed class TracingTests : IDisposable
{
    private const string SecretKey = "user-4711-alice@example.com";

    // spans of other tests running in parallel carry other namespaces: this one is ours alone
    private readonly CachedMethod _method = new("trace-" + Guid.NewGuid().ToString("N")[..8], "T.M~1", 60, "fp");
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener;

    public TracingTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = static source => source.Name == CacheGenDiagnostics.ActivitySourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (Equals(a.GetTagItem(CacheGenDiagnostics.NamespaceTag), _method.Namespace))
                {
                    _spans.Enqueue(a);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task GetOrSetAsync_MissThenHit_OneSpanEachWithNamespaceResultAndStoreButNoKey()
    {
        // arrange
        using var h = new CacheHarness();
        var source = new Source("v1");

        // act
        await h.GetAsync(source, SecretKey, method: _method);
        await h.GetAsync(source, SecretKey, method: _method);

        // assert
        var spans = _spans.ToArray();
        Assert.Equal(["miss", "hit"], spans.Select(s => s.GetTagItem(CacheGenDiagnostics.ResultTag)));
        Assert.All(spans, s =>
        {
            Assert.Equal(CacheGenDiagnostics.GetOrSetActivityName, s.OperationName);
            Assert.Equal("get_or_set " + _method.Namespace, s.DisplayName);
            Assert.Equal(ActivityKind.Internal, s.Kind);
            Assert.Equal("chaos", s.GetTagItem(CacheGenDiagnostics.StoreTag));
            Assert.Equal(ActivityStatusCode.Unset, s.Status);
            Assert.Null(s.GetTagItem(CacheGenDiagnostics.KeyTag));
            Assert.All(s.TagObjects, t => Assert.DoesNotContain("4711", t.Value?.ToString() ?? string.Empty, StringComparison.Ordinal));
            Assert.DoesNotContain("4711", s.DisplayName, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task GetOrSetAsync_IncludeKeysInTraces_PutsTheFullKeyOnTheSpan()
    {
        // arrange
        using var h = new CacheHarness(o => o.IncludeKeysInTraces = true);

        // act
        await h.GetAsync(new Source(), SecretKey, method: _method);

        // assert
        var span = Assert.Single(_spans);
        Assert.Equal(h.Client.GetFullKey(_method.Namespace, SecretKey), span.GetTagItem(CacheGenDiagnostics.KeyTag));
    }

    [Fact]
    public async Task GetOrSetAsync_StoreFault_SpanIsAnErrorWithItsTypeAndTheCallerGetsTheValue()
    {
        // arrange
        using var h = new CacheHarness();
        h.Chaos.Faulted = true;

        // act
        string value = await h.GetAsync(new Source("v1"), method: _method);

        // assert
        Assert.Equal("v1", value);
        var span = Assert.Single(_spans);
        Assert.Equal("error", span.GetTagItem(CacheGenDiagnostics.ResultTag));
        Assert.Equal("store", span.GetTagItem(CacheGenDiagnostics.ErrorTypeTag));
        Assert.Equal("read", span.GetTagItem(CacheGenDiagnostics.OperationTag));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
    }

    [Fact]
    public async Task GetOrSetAsync_Miss_IsAChildOfTheCallersSpanAndParentOfTheImplementationsWork()
    {
        // arrange
        using var h = new CacheHarness();
        using var caller = new Activity("request").Start();
        string? parentOfWork = null;

        // act
        await h.Client.GetOrSetAsync(_method, "k", null, 0, (_, _) =>
        {
            parentOfWork = Activity.Current?.SpanId.ToHexString();
            return ValueTask.FromResult("v");
        });

        // assert
        var span = Assert.Single(_spans);
        Assert.Equal(caller.SpanId, span.ParentSpanId);
        Assert.Equal(span.SpanId.ToHexString(), parentOfWork);
        Assert.Same(caller, Activity.Current);
    }

    [Fact]
    public void GetOrSet_Sync_RecordsASpanToo()
    {
        // arrange
        using var h = new CacheHarness();

        // act
        h.Client.GetOrSet(_method, "k", null, new Source("v"), static s => s.Get());
        h.Client.GetOrSet(_method, "k", null, new Source("v"), static s => s.Get());

        // assert
        Assert.Equal(["miss", "hit"], _spans.Select(s => s.GetTagItem(CacheGenDiagnostics.ResultTag)));
        Assert.Null(Activity.Current);
    }

    [Fact]
    public async Task GetOrSetAsync_DisabledNamespace_NoSpan()
    {
        // arrange
        using var h = new CacheHarness(o => o.Namespaces[_method.Namespace] = new CacheNamespaceOptions { Enabled = false });

        // act
        await h.GetAsync(new Source(), method: _method);

        // assert
        Assert.Empty(_spans);
    }
}
