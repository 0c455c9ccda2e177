using CacheGen.Runtime.Tests.Infrastructure;
using CacheGen.Stores;
using MessagePack;
using MessagePack.Formatters;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CacheGen.Runtime.Tests;

/// <summary>
/// Issue 11 item 1: with no Redis configured, L1 <em>is</em> the embedded store (the in-memory store <c>AddCacheGen</c>
/// makes, <see cref="MemoryCacheStore.Embedded"/>): one copy of each value, the method's own TTL, bounded by L1's
/// entries and bytes, the operator commands over it, and the write-back race rules of the store it replaces.
/// </summary>
public sealed class L1StoreTests
{
    private static readonly CachedMethod<string> Immutable = new("ns", "T.Immutable~1", 300, "fp-i", StringFormatter.Instance, isDeeplyImmutable: true);
    private static readonly CachedMethod<Box> Mutable = new("ns", "T.Mutable~1", 300, "fp-m", BoxFormatter.Instance, isDeeplyImmutable: false);
    private static readonly CachedMethod<string> Other = new("other", "T.Other~1", 300, "fp-o", StringFormatter.Instance, isDeeplyImmutable: true);
    private static readonly CachedMethod<string> Cold = new("cold", "T.Cold~1", 300, "fp-c", StringFormatter.Instance, isDeeplyImmutable: true);

    [Fact]
    public async Task AValue_OutlivesTheL1Ttl_UntilItsOwnTtl_ThenExpires()
    {
        using var h = new CacheHarness(chaos: false, embedded: true);
        int calls = 0;
        string first = await Get(h, Immutable, "k", () => { calls++; return new string('x', 3); });

        // past L1:TtlSeconds (60 s): still the instance Core returned (in front of a store, a store hit would deserialize a copy)
        h.Time.Advance(TimeSpan.FromSeconds(61));
        Assert.Same(first, await Get(h, Immutable, "k", () => { calls++; return "v2"; }));
        h.Time.Advance(TimeSpan.FromSeconds(238)); // 299 s
        Assert.Same(first, await Get(h, Immutable, "k", () => { calls++; return "v2"; }));
        Assert.Equal(1, calls);

        h.Time.Advance(TimeSpan.FromSeconds(2)); // 301 s: the method's TTL (300 s, no jitter) has passed
        Assert.Equal("v2", await Get(h, Immutable, "k", () => { calls++; return "v2"; }));
        Assert.Equal(2, calls);
        Assert.Equal(0, h.Memory.Count);
    }

    [Fact]
    public async Task OneCopy_TheStoreHoldsNothingForAnL1Namespace()
    {
        using var h = new CacheHarness(chaos: false, embedded: true);
        _ = await Get(h, Immutable, "a", () => "va");
        _ = await Get(h, Immutable, "a", () => "never");
        _ = await Get(h, Mutable, "b", () => new Box { X = 1 });
        _ = await Get(h, Mutable, "b", () => new Box { X = 2 });
        string sync = h.Client.GetOrSet(CacheHarness.Method, "c", null, 0, static _ => "vc");
        Assert.Equal("vc", h.Client.GetOrSet(CacheHarness.Method, "c", null, 0, static _ => "never"));

        Assert.Equal("vc", sync);
        Assert.Equal(0, h.Memory.Count); // no entry, no reservation, no stamp
        Assert.Equal(3, h.Client.L1!.Count);
        var statistics = h.Client.GetStatistics();
        Assert.Equal((3L, 3L), (statistics.Hits, statistics.Misses));
    }

    [Fact]
    public async Task MutableType_EveryHitIsAnIndependentCopy()
    {
        using var h = new CacheHarness(chaos: false, embedded: true);
        var owner = await Get(h, Mutable, "k", () => new Box { X = 1 });
        owner.X = 50; // the caller that ran Core changes its object

        var a = await Get(h, Mutable, "k", () => new Box { X = 2 });
        var b = await Get(h, Mutable, "k", () => new Box { X = 3 });
        Assert.NotSame(a, b);
        a.X = 99;
        var c = await Get(h, Mutable, "k", () => new Box { X = 4 });

        Assert.Equal((1, 1), (b.X, c.X)); // neither the owner's change nor a's reached the value kept
        Assert.Equal(0, h.Memory.Count);
    }

    [Fact]
    public async Task EntryBound_AnEvictedValueIsAMiss()
    {
        using var h = new CacheHarness(o => o.L1.MaxEntries = 10, chaos: false, embedded: true);
        int calls = 0;
        for (int i = 0; i < 50; i++)
        {
            int n = i;
            _ = await Get(h, Immutable, "k" + n, () => { calls++; return "v" + n; });
        }

        Assert.InRange(h.Client.L1!.Count, 1, 10);
        Assert.True(h.Client.L1.Evictions > 0);
        Assert.Equal(0, h.Memory.Count); // evicted values went nowhere else

        // the first keys went first (least recently used): a miss that runs Core again
        Assert.Equal("v0", await Get(h, Immutable, "k0", () => { calls++; return "v0"; }));
        Assert.Equal(51, calls);
    }

    [Fact]
    public async Task ByteBound_KeepsAtMostMaxBytes()
    {
        using var h = new CacheHarness(o => o.L1.MaxBytes = 8 * 1024, chaos: false, embedded: true);
        for (int i = 0; i < 40; i++)
        {
            _ = await Get(h, Immutable, "k" + i, () => new string('v', 1000));
        }

        Assert.InRange(h.Client.L1!.Bytes, 1, 8 * 1024);
        Assert.InRange(h.Client.L1.Count, 1, 8);
        Assert.Equal(0, h.Memory.Count);
    }

    [Fact]
    public async Task L1OffNamespace_KeepsUsingTheStore()
    {
        using var h = new CacheHarness(o => o.Namespaces["cold"] = new CacheNamespaceOptions { L1 = false }, chaos: false, embedded: true);
        string a = await Get(h, Cold, "k", () => new string('a', 2));
        string b = await Get(h, Cold, "k", () => "never");
        _ = await Get(h, Other, "k", () => "o");

        Assert.Equal(a, b);
        Assert.NotSame(a, b); // a store hit: deserialized
        Assert.NotNull(await StoredAsync(h, "cold", "k"));
        Assert.Null(await StoredAsync(h, "other", "k"));
        Assert.Equal(1, h.Client.L1!.Count); // only "other"
    }

    [Fact]
    public async Task L1Off_TheEmbeddedStoreHoldsEverything()
    {
        using var h = new CacheHarness(o => o.L1.Enabled = false, chaos: false, embedded: true);
        string a = await Get(h, Immutable, "k", () => new string('a', 2));
        string b = await Get(h, Immutable, "k", () => "never");

        Assert.Null(h.Client.L1);
        Assert.Equal(a, b);
        Assert.NotNull(await StoredAsync(h, "ns", "k"));
    }

    [Fact]
    public async Task ASuppliedMemoryStore_StaysASeparateStoreUnderL1()
    {
        using var h = new CacheHarness(chaos: false);
        _ = await Get(h, Immutable, "k", () => "v");

        Assert.NotNull(await StoredAsync(h, "ns", "k"));
        Assert.Equal(1, h.Client.L1!.Count);
    }

    [Fact]
    public async Task AddCacheGen_WithoutRedis_L1IsTheStore()
    {
        var services = new ServiceCollection();
        services.AddCacheGen(new ConfigurationBuilder().Build());
        using var provider = services.BuildServiceProvider();
        var store = Assert.IsType<MemoryCacheStore>(provider.GetRequiredService<ICacheStore>());
        var client = provider.GetRequiredService<CacheClient>();

        _ = await client.GetOrSetAsync(Immutable, "k", null, 0, static (_, _) => new ValueTask<string>("v"));

        Assert.True(store.Embedded);
        Assert.Equal(0, store.Count);
        Assert.Equal(1, client.L1!.Count);
    }

    [Fact]
    public async Task PatternInvalidation_RemovesAndCountsTheMatchingL1Entries_OnlyThose()
    {
        using var h = new CacheHarness(o => o.Namespaces["cold"] = new CacheNamespaceOptions { L1 = false }, chaos: false, embedded: true);
        int calls = 0;
        foreach (string key in new[] { "rack:1", "rack:2", "site:1", "a*", "ab" })
        {
            _ = await Get(h, Immutable, key, () => { calls++; return "v"; });
        }

        _ = await Get(h, Other, "rack:1", () => { calls++; return "v"; });
        _ = await Get(h, Cold, "rack:1", () => { calls++; return "v"; });
        Assert.Equal(7, calls);

        Assert.Equal(2, await h.Client.InvalidatePatternAsync("ns", "rack:*"));
        Assert.Equal(1, await h.Client.InvalidatePatternAsync("ns", "site:[0-9]"));
        Assert.Equal(1, await h.Client.InvalidatePatternAsync("ns", CacheKeyPattern.EscapeGlob("a*"))); // "a*" only, never "ab"
        Assert.Equal(0, await h.Client.InvalidatePatternAsync("ns", "rack:*")); // nothing left to match
        Assert.Equal(1, await h.Client.InvalidatePatternAsync("cold", "rack:*")); // an L1-off namespace: the store's entry

        // the other namespace and the unmatched key are still hits; the matched ones run Core again
        _ = await Get(h, Other, "rack:1", () => { calls++; return "v"; });
        _ = await Get(h, Immutable, "ab", () => { calls++; return "v"; });
        Assert.Equal(7, calls);
        _ = await Get(h, Immutable, "rack:1", () => { calls++; return "v"; });
        _ = await Get(h, Immutable, "a*", () => { calls++; return "v"; });
        Assert.Equal(9, calls);
    }

    [Fact]
    public async Task Statistics_CountTheL1Entries_ClearRemovesAndCountsThem()
    {
        using var h = new CacheHarness(chaos: false, embedded: true);
        for (int i = 0; i < 3; i++)
        {
            _ = await Get(h, Immutable, "k" + i, () => new string('v', 100));
        }

        var before = await h.Client.GetStatisticsAsync();
        Assert.Equal(3, before.L1Entries);
        Assert.InRange(before.L1Bytes!.Value, 3 * 100, 3 * 1024);

        Assert.Equal(3, await h.Client.ClearAsync());
        var after = await h.Client.GetStatisticsAsync();
        Assert.Equal((0, 0L), (after.L1Entries, after.L1Bytes));
        int calls = 0;
        _ = await Get(h, Immutable, "k0", () => { calls++; return "v"; });
        Assert.Equal(1, calls);

        // expired entries are not counted
        h.Time.Advance(TimeSpan.FromSeconds(301));
        Assert.Equal(0, (await h.Client.GetStatisticsAsync()).L1Entries);
    }

    [Theory]
    [InlineData("key")]
    [InlineData("namespace")]
    [InlineData("tag")]
    [InlineData("pattern")]
    [InlineData("clear")]
    public async Task InvalidatedWhileCoreRuns_TheWriteIsRefused_NextCallRunsCoreAgain(string kind)
    {
        using var h = new CacheHarness(chaos: false, embedded: true);
        string[] tags = ["tag-1"];
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var source = new Source("old") { Gate = gate };
        var inFlight = h.GetAsync(source, tags: tags).AsTask();
        await source.Read.Task.WaitAsync(TimeSpan.FromSeconds(10));

        source.Value = "new";
        await InvalidateAsync(h.Client, kind);
        gate.SetResult();
        string raced = await inFlight.WaitAsync(TimeSpan.FromSeconds(10));
        source.Gate = null;

        Assert.Equal("old", raced);
        Assert.Equal("new", await h.GetAsync(source, tags: tags));
        Assert.Equal("new", await h.GetAsync(source, tags: tags));
        Assert.Equal(2, source.Calls);
        Assert.Equal(1, h.Errors.Sum((CacheGenDiagnostics.ErrorTypeTag, "write_rejected")));
    }

    [Theory]
    [InlineData("key")]
    [InlineData("namespace")]
    [InlineData("tag")]
    [InlineData("pattern")]
    public async Task InvalidatedWhileSyncCoreRuns_NextCallReturnsTheNewValue(string kind)
    {
        using var h = new CacheHarness(chaos: false, embedded: true);
        string[] tags = ["tag-1"];
        var source = new Source("old");
        string Factory(Source s)
        {
            string value = s.Get();
            s.Value = "new";
            InvalidateAsync(h.Client, kind).AsTask().GetAwaiter().GetResult();
            return value;
        }

        string raced = h.Client.GetOrSet(CacheHarness.Method, "k", tags, source, Factory);
        string next = await h.GetAsync(source, tags: tags);

        Assert.Equal("old", raced);
        Assert.Equal("new", next);
    }

    [Fact]
    public async Task ConcurrentCallersOnAColdKey_RunCoreOnce()
    {
        using var h = new CacheHarness(chaos: false, embedded: true);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var source = new Source("v1") { Gate = gate };
        var calls = new Task<string>[500];

        Parallel.For(0, calls.Length, i => calls[i] = h.GetAsync(source).AsTask());
        await source.Read.Task.WaitAsync(TimeSpan.FromSeconds(10));
        gate.SetResult();
        string[] results = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(10));

        // and the callers that came after the flight ended found the value in L1
        Assert.Equal(1, source.Calls);
        Assert.All(results, r => Assert.Equal("v1", r));
        Assert.Equal("v1", await h.GetAsync(new Source("never")));
        Assert.Equal(0, h.Memory.Count);
    }

    [Fact]
    public async Task ConcurrentSynchronousCallers_RunCoreOnce()
    {
        using var h = new CacheHarness(chaos: false, embedded: true);
        using var release = new ManualResetEventSlim();
        int calls = 0;
        string Factory(int _)
        {
            Interlocked.Increment(ref calls);
            release.Wait(TimeSpan.FromSeconds(10));
            return "v1";
        }

        // threads of their own: eight blocked pool threads would starve the pool this test waits on
        string[] results = new string[8];
        var callers = Enumerable.Range(0, results.Length).Select(i => new Thread(() => results[i] = h.Client.GetOrSet(CacheHarness.Method, "k", null, 0, Factory))).ToArray();
        foreach (var caller in callers)
        {
            caller.Start();
        }

        await WaitForAsync(() => Volatile.Read(ref calls) == 1);
        await Task.Delay(50);
        release.Set();
        Assert.All(callers, caller => Assert.True(caller.Join(TimeSpan.FromSeconds(10))));

        Assert.All(results, r => Assert.Equal("v1", r));
        Assert.Equal(1, calls);
        Assert.Equal("v1", h.Client.GetOrSet(CacheHarness.Method, "k", null, 0, Factory));
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task ConcurrentCallersRightAfterAnInvalidation_RunCoreOnce()
    {
        using var h = new CacheHarness(chaos: false, embedded: true);
        var source = new Source("v1");
        await h.GetAsync(source);
        await h.Client.InvalidateKeyAsync("ns", "k");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        source.Gate = gate;
        source.Value = "v2";
        var calls = new Task<string>[500];

        Parallel.For(0, calls.Length, i => calls[i] = h.GetAsync(source).AsTask());
        gate.SetResult();
        string[] results = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(2, source.Calls);
        Assert.All(results, r => Assert.Equal("v2", r));
    }

    [Fact]
    public async Task ACallAfterAnInvalidation_DoesNotJoinTheOlderComputation_AndItsValueIsTheOneKept()
    {
        using var h = new CacheHarness(chaos: false, embedded: true);
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
        source = "new";
        await h.Client.InvalidateKeyAsync(CacheHarness.Method.Namespace, "k");
        var second = h.Client.GetOrSetAsync(CacheHarness.Method, "k", null, 0, Factory).AsTask();
        await WaitForAsync(() => Volatile.Read(ref calls) == 2);
        gate.SetResult();

        Assert.Equal("old", await first);
        Assert.Equal("new", await second);
        Assert.Equal("new", await h.Client.GetOrSetAsync(CacheHarness.Method, "k", null, 0, Factory));
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task ASecondClientOnTheEmbeddedStore_TheFirstServesNothingItCouldNotHear()
    {
        using var a = new CacheHarness(chaos: false, embedded: true);
        var source = new Source("v1");
        Assert.Equal("v1", await a.GetAsync(source));

        // another client on the same store: its invalidations never reach a's L1, so a stops serving it (a miss, never stale)
        using var b = new CacheHarness(chaos: false, memory: a.Memory);
        source.Value = "v2";
        await b.Client.InvalidateKeyAsync("ns", "k");

        Assert.Equal("v2", await a.GetAsync(source));
        Assert.Equal("v2", await b.GetAsync(source));
        Assert.Equal(2, source.Calls); // a wrote v2 to the store (no longer L1's alone); b read it there
    }

    private static ValueTask InvalidateAsync(CacheClient client, string kind) => kind switch
    {
        "key" => client.InvalidateKeyAsync("ns", "k"),
        "namespace" => client.InvalidateNamespaceAsync("ns"),
        "tag" => client.InvalidateTagAsync("tag-1"),
        "pattern" => new ValueTask(client.InvalidatePatternAsync("ns", "k").AsTask()),
        _ => new ValueTask(client.ClearAsync().AsTask()),
    };

    private static async Task<byte[]?> StoredAsync(CacheHarness h, string ns, string key) =>
        (await h.Memory.ReadAsync(h.Client.GetFullKey(ns, key), [], CancellationToken.None)).Value;

    private static ValueTask<T> Get<T>(CacheHarness h, CachedMethod<T> method, string key, Func<T> factory) =>
        h.Client.GetOrSetAsync(method, key, null, factory, static (f, _) => new ValueTask<T>(f()));

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), "condition not met within 5 s");
            await Task.Delay(1);
        }
    }

    public sealed class Box
    {
        public int X { get; set; }
    }

    private sealed class StringFormatter : IMessagePackFormatter<string>
    {
        public static readonly StringFormatter Instance = new();

        public void Serialize(ref MessagePackWriter writer, string value, MessagePackSerializerOptions options) => writer.Write(value);

        public string Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => reader.ReadString()!;
    }

    private sealed class BoxFormatter : IMessagePackFormatter<Box>
    {
        public static readonly BoxFormatter Instance = new();

        public void Serialize(ref MessagePackWriter writer, Box value, MessagePackSerializerOptions options) => writer.Write(value.X);

        public Box Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => new() { X = reader.ReadInt32() };
    }
}
