using CacheGen.Internal;
using CacheGen.Runtime.Tests.Infrastructure;
using MessagePack;
using MessagePack.Formatters;

namespace CacheGen.Runtime.Tests;

/// <summary>Issue 11: the in-process level in front of the in-memory store (one process: no backplane needed).</summary>
public sealed class L1Tests
{
    private static readonly CachedMethod<string> Immutable = new("ns", "T.Immutable~1", 60, "fp-i", StringFormatter.Instance, isDeeplyImmutable: true);
    private static readonly CachedMethod<Box> Mutable = new("ns", "T.Mutable~1", 60, "fp-m", BoxFormatter.Instance, isDeeplyImmutable: false);

    [Fact]
    public async Task ImmutableType_EveryHitReturnsTheInstanceCoreReturned()
    {
        using var h = new CacheHarness(chaos: false);
        int calls = 0;
        string first = await Get(h, Immutable, "k", () => { calls++; return new string('x', 3); });
        string second = await Get(h, Immutable, "k", () => { calls++; return "other"; });
        string third = await Get(h, Immutable, "k", () => { calls++; return "other"; });

        Assert.Equal(1, calls);
        Assert.Same(first, second);
        Assert.Same(first, third);
        Assert.Equal(1, h.Client.L1!.Count);
        Assert.Equal(2, h.Client.GetStatistics().Hits);
    }

    [Fact]
    public async Task MutableType_EachHitGetsItsOwnCopy_AChangeToOneNeverReachesAnother()
    {
        using var h = new CacheHarness(chaos: false);
        _ = await Get(h, Mutable, "k", () => new Box { X = 1 });
        var a = await Get(h, Mutable, "k", () => new Box { X = 2 });
        var b = await Get(h, Mutable, "k", () => new Box { X = 3 });

        Assert.NotSame(a, b);
        a.X = 99;
        var c = await Get(h, Mutable, "k", () => new Box { X = 4 });
        Assert.Equal((1, 1), (b.X, c.X));
        Assert.Equal(1, h.Client.L1!.Count);
    }

    [Fact]
    public async Task ServedFromL1_TheStoreIsNotRead()
    {
        using var h = new CacheHarness(chaos: false);
        _ = await Get(h, Immutable, "k", () => "v1");

        // what the store holds is gone; L1 still answers (the store's own bytes are not consulted on a hit)
        await h.Memory.RemoveByPatternAsync("*", CancellationToken.None);
        Assert.Equal("v1", await Get(h, Immutable, "k", () => "v2"));
    }

    [Fact]
    public async Task EntryBound_KeepsAtMostMaxEntries_TheMostRecentlyUsedSurvive()
    {
        using var h = new CacheHarness(o => o.L1.MaxEntries = 10, chaos: false);
        for (int i = 0; i < 50; i++)
        {
            _ = await Get(h, Immutable, "k" + i, () => "v" + i);
            _ = await Get(h, Immutable, "k0", () => "never"); // kept warm
        }

        Assert.InRange(h.Client.L1!.Count, 1, 10);
        Assert.NotNull(h.Client.L1.Get(h.Client.GetFullKey("ns", "k0"), Immutable));
        Assert.NotNull(h.Client.L1.Get(h.Client.GetFullKey("ns", "k49"), Immutable));
        Assert.True(h.Client.L1.Evictions > 0);
    }

    [Fact]
    public async Task ByteBound_KeepsAtMostMaxBytes()
    {
        using var h = new CacheHarness(o => o.L1.MaxBytes = 8 * 1024, chaos: false);
        for (int i = 0; i < 40; i++)
        {
            _ = await Get(h, Immutable, "k" + i, () => new string('v', 1000));
        }

        Assert.InRange(h.Client.L1!.Bytes, 1, 8 * 1024);
        Assert.InRange(h.Client.L1.Count, 1, 8);
    }

    [Fact]
    public async Task L1Ttl_EndsTheInProcessCopy_TheStoreStillServes()
    {
        using var h = new CacheHarness(o => o.L1.TtlSeconds = 5, chaos: false);
        _ = await Get(h, Immutable, "k", () => "v1");
        string key = h.Client.GetFullKey("ns", "k");
        h.Time.Advance(TimeSpan.FromSeconds(4));
        Assert.NotNull(h.Client.L1!.Get(key, Immutable));

        h.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(h.Client.L1.Get(key, Immutable));
        Assert.Equal("v1", await Get(h, Immutable, "k", () => "v2")); // the store's entry (TTL 60 s) still lives
    }

    [Fact]
    public async Task L1Ttl_IsNeverLongerThanTheEntrys()
    {
        var shortLived = new CachedMethod<string>("ns", "T.Short~1", 2, "fp-s", StringFormatter.Instance, isDeeplyImmutable: true);
        using var h = new CacheHarness(chaos: false);
        _ = await Get(h, shortLived, "k", () => "v1");
        h.Time.Advance(TimeSpan.FromSeconds(2.5));

        Assert.Equal("v2", await Get(h, shortLived, "k", () => "v2"));
    }

    [Fact]
    public async Task NamespaceSwitch_TurnsL1OffForThatNamespaceOnly()
    {
        var other = new CachedMethod<string>("other", "T.Other~1", 60, "fp-o", StringFormatter.Instance, isDeeplyImmutable: true);
        using var h = new CacheHarness(o => o.Namespaces["ns"] = new CacheNamespaceOptions { L1 = false }, chaos: false);
        string a = await Get(h, Immutable, "k", () => new string('a', 2));
        string b = await Get(h, Immutable, "k", () => "never");
        _ = await Get(h, other, "k", () => "o");

        Assert.Equal(a, b);
        Assert.NotSame(a, b); // a store hit: deserialized
        Assert.Equal(1, h.Client.L1!.Count); // only "other"
    }

    [Fact]
    public void Off_NoL1IsBuilt()
    {
        using var h = new CacheHarness(o => o.L1.Enabled = false, chaos: false);
        Assert.Null(h.Client.L1);
    }

    [Theory]
    [InlineData("key")]
    [InlineData("namespace")]
    [InlineData("tag")]
    [InlineData("clear")]
    public async Task EveryInvalidation_DropsTheInProcessCopy(string kind)
    {
        using var h = new CacheHarness(chaos: false);
        string[] tags = ["t1"];
        _ = await h.Client.GetOrSetAsync(Immutable, "k", tags, "v1", static (v, _) => new ValueTask<string>(v));
        switch (kind)
        {
            case "key": await h.Client.InvalidateKeyAsync("ns", "k"); break;
            case "namespace": await h.Client.InvalidateNamespaceAsync("ns"); break;
            case "tag": await h.Client.InvalidateTagAsync("t1"); break;
            default: await h.Client.ClearAsync(); break;
        }

        Assert.Equal("v2", await h.Client.GetOrSetAsync(Immutable, "k", tags, "v2", static (v, _) => new ValueTask<string>(v)));
    }

    [Fact]
    public void AValueReadBeforeAnInvalidation_IsNeverKept()
    {
        var time = new FakeTimeProvider();
        var l1 = new L1Cache(100, 1 << 20, time);
        var before = l1.Take("ns", "p:ns:k", ["t1"]);
        l1.InvalidateTag("t1"); // heard while the read was in flight
        l1.Set("p:ns:k", Immutable, ["t1"], before, true, "old", null, 3, TimeSpan.FromSeconds(10));
        Assert.Null(l1.Get("p:ns:k", Immutable));

        var after = l1.Take("ns", "p:ns:k", ["t1"]);
        l1.Set("p:ns:k", Immutable, ["t1"], after, true, "new", null, 3, TimeSpan.FromSeconds(10));
        Assert.Equal("new", l1.Get("p:ns:k", Immutable)!.Instance);

        // a message that arrives after the entry was stored retires it too
        l1.InvalidateNamespace("ns");
        Assert.Null(l1.Get("p:ns:k", Immutable));
    }

    [Fact]
    public void TagCounters_AreBounded_AForgottenTagNeverServesAStaleValue()
    {
        var time = new FakeTimeProvider();
        var l1 = new L1Cache(100, 1 << 20, time, maxTagCells: 64);

        // a tag per rack id: counters stay within the bound however many tags pass
        for (int i = 0; i < 10_000; i++)
        {
            _ = l1.Take("ns", "p:ns:rack" + i, ["rack:" + i]);
        }

        Assert.InRange(l1.TagCells, 1, 64);

        // a lookup that took a counter which is then forgotten is not kept, and a kept entry whose counter is
        // forgotten is not served: its tag's invalidation would bump a new counter the entry does not hold
        var before = l1.Take("ns", "p:ns:k", ["hot"]);
        for (int i = 0; i < 200; i++)
        {
            _ = l1.Take("ns", "p:ns:other" + i, ["other:" + i]);
        }

        l1.Set("p:ns:k", Immutable, ["hot"], before, true, "old", null, 3, TimeSpan.FromSeconds(10));
        Assert.Null(l1.Get("p:ns:k", Immutable));

        var kept = l1.Take("ns", "p:ns:k", ["hot"]);
        l1.Set("p:ns:k", Immutable, ["hot"], kept, true, "v", null, 3, TimeSpan.FromSeconds(10));
        Assert.Equal("v", l1.Get("p:ns:k", Immutable)!.Instance);
        for (int i = 0; i < 200; i++)
        {
            _ = l1.Take("ns", "p:ns:more" + i, ["more:" + i]);
        }

        Assert.Null(l1.Get("p:ns:k", Immutable));
        Assert.InRange(l1.TagCells, 1, 64);
    }

    private static ValueTask<T> Get<T>(CacheHarness h, CachedMethod<T> method, string key, Func<T> factory) =>
        h.Client.GetOrSetAsync(method, key, null, factory, static (f, _) => new ValueTask<T>(f()));

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
