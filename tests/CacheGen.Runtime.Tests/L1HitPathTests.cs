using CacheGen.Runtime.Tests.Infrastructure;
using MessagePack;
using MessagePack.Formatters;
using Microsoft.Extensions.DependencyInjection;

namespace CacheGen.Runtime.Tests;

/// <summary>
/// Issue 11, the L1 hit: tags built only when needed (<see cref="CachedMethod.TagsFollowKey"/>), one completed task per
/// entry for <c>Task</c>-returning wrappers, and no allocation on a hit beyond what the caller made.
/// </summary>
public sealed class L1HitPathTests
{
    private static readonly CachedMethod<string> Following = new("ns", "T.Following~1", 60, "fp-f", StringFormatter.Instance, isDeeplyImmutable: true) { TagsFollowKey = true };
    private static readonly CachedMethod<string> NotFollowing = new("ns", "T.NotFollowing~1", 60, "fp-n", StringFormatter.Instance, isDeeplyImmutable: true);

    [Fact]
    public async Task TagsFollowingTheKey_AreNotBuiltOnAHit_AndTheirInvalidationStillDropsTheCopy()
    {
        using var h = new CacheHarness(chaos: false);
        var calls = new Counts();
        Assert.Equal("v1", await Get(h, Following, calls, "v1"));
        Assert.Equal((1, 1), (calls.Tags, calls.Core));

        Assert.Equal("v1", await Get(h, Following, calls, "v2"));
        Assert.Equal("v1", await Get(h, Following, calls, "v2"));
        Assert.Equal((1, 1), (calls.Tags, calls.Core)); // two L1 hits: no tags built, Core not run

        // the tags the entry was written with are the ones a tag invalidation reaches
        await h.Client.InvalidateTagAsync("t:k");
        Assert.Equal("v3", await Get(h, Following, calls, "v3"));
        Assert.Equal((2, 2), (calls.Tags, calls.Core));
    }

    [Fact]
    public async Task TagsNotProvenToFollowTheKey_AreBuiltAndComparedOnEveryHit()
    {
        using var h = new CacheHarness(chaos: false);
        var calls = new Counts();
        _ = await Get(h, NotFollowing, calls, "v1");
        Assert.Equal("v1", await Get(h, NotFollowing, calls, "v2"));
        Assert.Equal("v1", await Get(h, NotFollowing, calls, "v2"));
        Assert.Equal((3, 1), (calls.Tags, calls.Core));
        Assert.Equal(2, h.Client.GetStatistics().Hits);
    }

    [Fact]
    public async Task TaskHits_OfAnImmutableValue_ShareOneCompletedTask()
    {
        using var h = new CacheHarness(chaos: false);
        var calls = new Counts();
        _ = await Get(h, Following, calls, "v1");
        var first = Call(h.Client, Following, calls, "v2").AsTask();
        var second = Call(h.Client, Following, calls, "v2").AsTask();
        Assert.True(first.IsCompletedSuccessfully);
        Assert.Same(first, second);
        Assert.Equal("v1", await first);
    }

    [Fact]
    public void SyncForm_AHitBuildsNoTagsWhenTheyFollowTheKey()
    {
        using var h = new CacheHarness(chaos: false);
        var calls = new Counts();
        string Sync(string value) => h.Client.GetOrSet(
            Following,
            "k",
            (calls, value),
            static s =>
            {
                s.calls.Tags++;
                return ["t:k"];
            },
            static s =>
            {
                s.calls.Core++;
                return s.value;
            });

        Assert.Equal("v1", Sync("v1"));
        WaitForL1(h);
        Assert.Equal("v1", Sync("v2"));
        Assert.Equal("v1", Sync("v2"));
        Assert.Equal((1, 1), (calls.Tags, calls.Core));
    }

    [Fact]
    public async Task AnL1Hit_InsideAnOutcomeScope_IsRecordedAsAHit()
    {
        using var h = new CacheHarness(chaos: false);
        var calls = new Counts();
        _ = await Get(h, Following, calls, "v1");
        using (var scope = CacheOutcomeScope.Begin())
        {
            Assert.Equal("v1", await Get(h, Following, calls, "v2"));
            var hit = Assert.Single(scope.Calls);
            Assert.Equal((CacheCallResult.Hit, h.Client.GetFullKey("ns", "k")), (hit.Result, hit.Key));
        }

        Assert.Equal(1, calls.Core); // it was L1's hit
    }

    [Fact]
    public async Task L1Hits_FromManyThreadsAtOnce_AreCountedExactly()
    {
        using var h = new CacheHarness(chaos: false);
        var calls = new Counts();
        _ = await Get(h, Following, calls, "v1");
        long before = h.Client.GetStatistics().Hits;
        const int Threads = 8, PerThread = 5_000;
        await Task.WhenAll(Enumerable.Range(0, Threads).Select(_ => Task.Run(async () =>
        {
            for (int i = 0; i < PerThread; i++)
            {
                Assert.Equal("v1", await Get(h, Following, calls, "v2"));
            }
        })));

        Assert.Equal(1, calls.Core);
        Assert.Equal(before + (Threads * PerThread), h.Client.GetStatistics().Hits);
    }

    /// <summary>The sync path writes back in the background: wait until the entry is in L1.</summary>
    private static void WaitForL1(CacheHarness h)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (h.Client.L1!.Count == 0 && DateTime.UtcNow < until)
        {
            Thread.Sleep(5);
        }

        Assert.Equal(1, h.Client.L1.Count);
    }

    private static ValueTask<string> Get(CacheHarness h, CachedMethod<string> method, Counts calls, string value) => Call(h.Client, method, calls, value);

    private static ValueTask<string> Call(ICacheClient client, CachedMethod<string> method, Counts calls, string value) =>
        client.GetOrSetAsync(
            method,
            "k",
            (calls, value),
            static s =>
            {
                s.calls.Tags++;
                return ["t:k"];
            },
            static (s, _) =>
            {
                s.calls.Core++;
                return new ValueTask<string>(s.value);
            });

    private sealed class Counts
    {
        public int Tags;
        public int Core;
    }

    internal sealed class StringFormatter : IMessagePackFormatter<string>
    {
        public static readonly StringFormatter Instance = new();

        public void Serialize(ref MessagePackWriter writer, string value, MessagePackSerializerOptions options) => writer.Write(value);

        public string Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => reader.ReadString()!;
    }
}

/// <summary>Allocation on an L1 hit, counted exactly on the calling thread (no timing): run alone, so no other test's listeners record on it.</summary>
[Collection(nameof(RealTimeCollection))]
public sealed class L1HitAllocationTests
{
    private static readonly CachedMethod<string> Method = new("ns", "T.Alloc~1", 60, "fp-a", L1HitPathTests.StringFormatter.Instance, isDeeplyImmutable: true) { TagsFollowKey = true };

    [Fact]
    public async Task AHitOfATaskReturningMethodWithTags_AllocatesNothing()
    {
        using var services = new ServiceCollection().AddCacheGen(o => o.KeyPrefix = "alloc").BuildServiceProvider();
        var client = services.GetRequiredService<ICacheClient>();
        const string key = "rack:42";
        Assert.Equal("v", await Hit(client, key));
        Assert.Equal(2_000, Hits(client, key, 2_000)); // warm up (and let tiered compilation settle)

        long before = GC.GetAllocatedBytesForCurrentThread();
        int completed = Hits(client, key, 1_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(1_000, completed);
        Assert.Equal(0, allocated);
        Assert.True(client.GetStatistics().Hits >= 3_000);
    }

    /// <summary>Hits that completed synchronously with the cached value.</summary>
    private static int Hits(ICacheClient client, string key, int count)
    {
        int completed = 0;
        for (int i = 0; i < count; i++)
        {
            var task = Hit(client, key);
            if (task.IsCompletedSuccessfully && ReferenceEquals(task.Result, "v"))
            {
                completed++;
            }
        }

        return completed;
    }

    private static Task<string> Hit(ICacheClient client, string key) =>
        client.GetOrSetAsync(
            Method,
            key,
            "v",
            static _ => ["rack:42"],
            static (v, _) => new ValueTask<string>(v)).AsTask();
}
