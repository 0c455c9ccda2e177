using CacheGen.Runtime.Tests.Infrastructure;

namespace CacheGen.Runtime.Tests;

/// <summary>
/// <see cref="CachedCall"/>, the entry generated wrappers call: on CacheGen's client each form is that client's call
/// (a miss, then a hit); on any other <see cref="ICacheClient"/> it is the interface's call of the same form.
/// </summary>
public sealed class CachedCallTests
{
    private static readonly CachedMethod<string> Method = new("ns", "T.CachedCall~1", 60, "fp-c", L1HitPathTests.StringFormatter.Instance, isDeeplyImmutable: true);

    [Fact]
    public async Task OnCacheGensClient_EachForm_ComputesOnceThenHits()
    {
        using var h = new CacheHarness(chaos: false);
        int core = 0;
        Func<int, string[]> tags = static _ => ["t"];
        async Task<string> Async(string key, bool lazyTags) => lazyTags
            ? await CachedCall.GetOrSetAsync(h.Client, Method, key, 0, tags, (_, _) => new ValueTask<string>("v" + ++core))
            : await CachedCall.GetOrSetAsync(h.Client, Method, key, ["t"], 0, (_, _) => new ValueTask<string>("v" + ++core));
        string Sync(string key, bool lazyTags) => lazyTags
            ? CachedCall.GetOrSet(h.Client, Method, key, 0, tags, _ => "v" + ++core)
            : CachedCall.GetOrSet(h.Client, Method, key, ["t"], 0, _ => "v" + ++core);

        Assert.Equal(("v1", "v1"), (await Async("a", false), await Async("a", false)));
        Assert.Equal(("v2", "v2"), (await Async("b", true), await Async("b", true)));
        Assert.Equal("v3", Sync("c", false));
        WaitUntilStored(h, "c");
        Assert.Equal("v3", Sync("c", false));
        Assert.Equal("v4", Sync("d", true));
        WaitUntilStored(h, "d");
        Assert.Equal("v4", Sync("d", true));
        Assert.Equal((4, 4L), (core, h.Client.GetStatistics().Hits));
    }

    [Fact]
    public async Task OnAnotherClient_EachForm_IsTheInterfacesCall()
    {
        var client = new RecordingClient();
        Func<int, string[]> tags = static _ => ["t"];
        _ = await CachedCall.GetOrSetAsync(client, Method, "a", ["t"], 0, static (_, _) => new ValueTask<string>("v"));
        _ = await CachedCall.GetOrSetAsync(client, Method, "b", 0, tags, static (_, _) => new ValueTask<string>("v"));
        _ = CachedCall.GetOrSet(client, Method, "c", ["t"], 0, static _ => "v");
        _ = CachedCall.GetOrSet(client, Method, "d", 0, tags, static _ => "v");

        // the interface's default bodies of the lazily tagged forms build the tags and call the eager forms
        Assert.Equal(["async a t", "async b t", "sync c t", "sync d t"], client.Calls);
    }

    private static void WaitUntilStored(CacheHarness h, string key)
    {
        // the sync path writes back in the background
        var until = DateTime.UtcNow.AddSeconds(10);
        while (h.Client.L1!.Get(h.Client.GetFullKey("ns", key), Method) is null && DateTime.UtcNow < until)
        {
            Thread.Sleep(5);
        }
    }

    private sealed class RecordingClient : ICacheClient
    {
        public List<string> Calls { get; } = [];

        public ValueTask<T> GetOrSetAsync<TState, T>(CachedMethod method, string key, string[]? tags, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, CancellationToken cancellationToken = default)
        {
            Calls.Add($"async {key} {string.Join(",", tags ?? [])}");
            return factory(state, cancellationToken);
        }

        public T GetOrSet<TState, T>(CachedMethod method, string key, string[]? tags, TState state, Func<TState, T> factory)
        {
            Calls.Add($"sync {key} {string.Join(",", tags ?? [])}");
            return factory(state);
        }

        public ValueTask InvalidateKeyAsync(string @namespace, string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask InvalidateNamespaceAsync(string @namespace, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask InvalidateTagAsync(string tag, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public CacheStatistics GetStatistics() => throw new NotSupportedException();
    }
}
