using CacheGen.Runtime.Tests.Infrastructure;

namespace CacheGen.Runtime.Tests;

public sealed class CacheClientTests
{
    [Fact]
    public async Task GetOrSetAsync_ColdThenWarm_RunsFactoryOnceThenHits()
    {
        // arrange
        using var h = new CacheHarness(chaos: false);
        var source = new Source("v1");

        // act
        string first = await h.GetAsync(source);
        source.Value = "v2";
        string second = await h.GetAsync(source);

        // assert
        Assert.Equal("v1", first);
        Assert.Equal("v1", second);
        Assert.Equal(1, source.Calls);
        var stats = h.Client.GetStatistics();
        Assert.Equal(1, stats.Hits);
        Assert.Equal(1, stats.Misses);
        Assert.Equal(0, stats.Errors);
        Assert.Equal("memory", stats.Store);
    }

    [Fact]
    public async Task GetOrSetAsync_DifferentKeys_DoNotShareEntries()
    {
        // arrange
        using var h = new CacheHarness(chaos: false);
        var a = new Source("a");
        var b = new Source("b");

        // act
        string fromA = await h.GetAsync(a, "key-a");
        string fromB = await h.GetAsync(b, "key-b");
        string fromAAgain = await h.GetAsync(b, "key-a");

        // assert
        Assert.Equal("a", fromA);
        Assert.Equal("b", fromB);
        Assert.Equal("a", fromAAgain);
        Assert.Equal(1, a.Calls);
        Assert.Equal(1, b.Calls);
    }

    [Fact]
    public async Task GetOrSetAsync_SameKeyInAnotherNamespace_DoesNotShareEntries()
    {
        // arrange
        using var h = new CacheHarness(chaos: false);
        var other = new CachedMethod("other", "T.M~1", 60, "fp");
        var source = new Source("v1");
        await h.GetAsync(source);

        // act
        source.Value = "v2";
        string fromOther = await h.GetAsync(source, method: other);

        // assert
        Assert.Equal("v2", fromOther);
        Assert.Equal(2, source.Calls);
    }

    [Fact]
    public async Task InvalidateKeyAsync_AfterWarm_NextCallMisses()
    {
        // arrange
        using var h = new CacheHarness(chaos: false);
        var source = new Source("v1");
        await h.GetAsync(source);
        await h.GetAsync(source, "untouched");
        source.Value = "v2";

        // act
        await h.Client.InvalidateKeyAsync("ns", "k");
        string afterInvalidate = await h.GetAsync(source);
        string untouched = await h.GetAsync(source, "untouched");
        string afterRefill = await h.GetAsync(source);

        // assert
        Assert.Equal("v2", afterInvalidate);
        Assert.Equal("v1", untouched);
        Assert.Equal("v2", afterRefill);
        Assert.Equal(3, source.Calls);
    }

    [Fact]
    public async Task InvalidateNamespaceAsync_AfterWarm_EveryKeyOfTheNamespaceMisses()
    {
        // arrange
        using var h = new CacheHarness(chaos: false);
        var otherNs = new CachedMethod("other", "T.M~1", 60, "fp");
        var source = new Source("v1");
        await h.GetAsync(source, "k1");
        await h.GetAsync(source, "k2");
        await h.GetAsync(source, "k1", method: otherNs);
        source.Value = "v2";

        // act
        await h.Client.InvalidateNamespaceAsync("ns");
        string k1 = await h.GetAsync(source, "k1");
        string k2 = await h.GetAsync(source, "k2");
        string otherK1 = await h.GetAsync(source, "k1", method: otherNs);
        string k1Again = await h.GetAsync(source, "k1");

        // assert
        Assert.Equal("v2", k1);
        Assert.Equal("v2", k2);
        Assert.Equal("v1", otherK1);
        Assert.Equal("v2", k1Again);
        Assert.Equal(5, source.Calls);
    }

    [Fact]
    public async Task InvalidateTagAsync_AfterWarm_OnlyTaggedEntriesMiss()
    {
        // arrange
        using var h = new CacheHarness(chaos: false);
        var otherNs = new CachedMethod("other", "T.M~1", 60, "fp");
        var source = new Source("v1");
        await h.GetAsync(source, "tagged", ["user:1", "all"]);
        await h.GetAsync(source, "tagged-elsewhere", ["user:1"], otherNs);
        await h.GetAsync(source, "other-tag", ["user:2"]);
        await h.GetAsync(source, "untagged");
        source.Value = "v2";

        // act
        await h.Client.InvalidateTagAsync("user:1");
        string tagged = await h.GetAsync(source, "tagged", ["user:1", "all"]);
        string taggedElsewhere = await h.GetAsync(source, "tagged-elsewhere", ["user:1"], otherNs);
        string otherTag = await h.GetAsync(source, "other-tag", ["user:2"]);
        string untagged = await h.GetAsync(source, "untagged");

        // assert
        Assert.Equal("v2", tagged);
        Assert.Equal("v2", taggedElsewhere);
        Assert.Equal("v1", otherTag);
        Assert.Equal("v1", untagged);
        Assert.Equal(6, source.Calls);
    }

    [Fact]
    public async Task GetOrSetAsync_AfterTtl_Misses()
    {
        // arrange
        using var h = new CacheHarness(chaos: false);
        var source = new Source("v1");
        await h.GetAsync(source);

        // act
        h.Time.Advance(TimeSpan.FromSeconds(59));
        string beforeExpiry = await h.GetAsync(source);
        h.Time.Advance(TimeSpan.FromSeconds(2));
        source.Value = "v2";
        string afterExpiry = await h.GetAsync(source);

        // assert
        Assert.Equal("v1", beforeExpiry);
        Assert.Equal("v2", afterExpiry);
        Assert.Equal(2, source.Calls);
    }

    [Fact]
    public async Task GetOrSetAsync_NamespaceTtlOverride_ReplacesTheMethodTtl()
    {
        // arrange
        using var h = new CacheHarness(o => o.Namespaces["ns"] = new CacheNamespaceOptions { TtlSeconds = 10 }, chaos: true);
        var source = new Source("v1");
        await h.GetAsync(source);

        // act
        h.Time.Advance(TimeSpan.FromSeconds(9));
        string beforeExpiry = await h.GetAsync(source);
        h.Time.Advance(TimeSpan.FromSeconds(2));
        source.Value = "v2";
        string afterExpiry = await h.GetAsync(source);

        // assert
        Assert.Equal(TimeSpan.FromSeconds(10), h.Chaos.LastWriteTtl);
        Assert.Equal("v1", beforeExpiry);
        Assert.Equal("v2", afterExpiry);
        Assert.Equal(2, source.Calls);
    }

    [Fact]
    public async Task GetOrSetAsync_SchemaFingerprintChanged_Misses()
    {
        // arrange
        using var h = new CacheHarness(chaos: false);
        var v2Method = new CachedMethod("ns", "T.M~1", 60, "fp-v2");
        var source = new Source("v1");
        await h.GetAsync(source);
        source.Value = "v2";

        // act
        string afterChange = await h.GetAsync(source, method: v2Method);
        string again = await h.GetAsync(source, method: v2Method);

        // assert
        Assert.Equal("v2", afterChange);
        Assert.Equal("v2", again);
        Assert.Equal(2, source.Calls);
        Assert.Equal(0, h.Client.GetStatistics().Errors);
    }

    [Fact]
    public async Task GetOrSetAsync_Disabled_AlwaysRunsFactoryAndNeverTouchesTheStore()
    {
        // arrange
        using var h = new CacheHarness(o => o.Enabled = false);
        var source = new Source("v1");

        // act
        await h.GetAsync(source);
        await h.GetAsync(source);
        string sync = h.Client.GetOrSet(CacheHarness.Method, "k", null, source, static s => s.Get());

        // assert
        Assert.Equal("v1", sync);
        Assert.Equal(3, source.Calls);
        Assert.Equal(0, h.Chaos.Calls);
    }

    [Fact]
    public async Task GetOrSetAsync_NamespaceDisabled_AlwaysRunsFactoryForThatNamespaceOnly()
    {
        // arrange
        using var h = new CacheHarness(o => o.Namespaces["ns"] = new CacheNamespaceOptions { Enabled = false });
        var enabled = new CachedMethod("on", "T.M~1", 60, "fp");
        var source = new Source("v1");

        // act
        await h.GetAsync(source);
        await h.GetAsync(source);
        int storeCallsAfterDisabled = h.Chaos.Calls;
        await h.GetAsync(source, method: enabled);
        await h.GetAsync(source, method: enabled);

        // assert
        Assert.Equal(0, storeCallsAfterDisabled);
        Assert.Equal(3, source.Calls);
    }

    [Fact]
    public async Task GetOrSetAsync_FactoryThrows_ExceptionPropagatesAndIsNotCached()
    {
        // arrange
        using var h = new CacheHarness(chaos: false);
        var source = new Source("v1") { Throw = new InvalidOperationException("boom") };

        // act
        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => h.GetAsync(source).AsTask());
        source.Throw = null;
        string next = await h.GetAsync(source);

        // assert
        Assert.Equal("boom", thrown.Message);
        Assert.Equal("v1", next);
        Assert.Equal(2, source.Calls);
        Assert.Equal(0, h.Client.GetStatistics().Errors);
    }

    [Fact]
    public void GetOrSet_ColdThenWarm_RunsFactoryOnceThenHits()
    {
        // arrange
        using var h = new CacheHarness(chaos: false);
        var source = new Source("v1");

        // act
        string first = h.Client.GetOrSet(CacheHarness.Method, "k", null, source, static s => s.Get());
        source.Value = "v2";
        string second = h.Client.GetOrSet(CacheHarness.Method, "k", null, source, static s => s.Get());

        // assert
        Assert.Equal("v1", first);
        Assert.Equal("v1", second);
        Assert.Equal(1, source.Calls);
    }

    [Fact]
    public async Task GetOrSet_SharesEntriesWithTheAsyncPath()
    {
        // arrange
        using var h = new CacheHarness(chaos: false);
        var source = new Source("v1");
        await h.GetAsync(source);
        source.Value = "v2";

        // act
        string fromSync = h.Client.GetOrSet(CacheHarness.Method, "k", null, source, static s => s.Get());

        // assert
        Assert.Equal("v1", fromSync);
        Assert.Equal(1, source.Calls);
    }

    [Fact]
    public void GetOrSet_FactoryThrows_ExceptionPropagatesAndIsNotCached()
    {
        // arrange
        using var h = new CacheHarness(chaos: false);
        var source = new Source("v1") { Throw = new InvalidOperationException("boom") };

        // act
        Assert.Throws<InvalidOperationException>(() => h.Client.GetOrSet(CacheHarness.Method, "k", null, source, static s => s.Get()));
        source.Throw = null;
        string next = h.Client.GetOrSet(CacheHarness.Method, "k", null, source, static s => s.Get());

        // assert
        Assert.Equal("v1", next);
        Assert.Equal(2, source.Calls);
    }

    [Fact]
    public void GetOrSet_StoreFaulted_ReturnsFactoryValue()
    {
        // arrange
        using var h = new CacheHarness();
        h.Chaos.Faulted = true;
        var source = new Source("v1");

        // act
        string value = h.Client.GetOrSet(CacheHarness.Method, "k", null, source, static s => s.Get());

        // assert
        Assert.Equal("v1", value);
        Assert.Equal(1, h.Client.GetStatistics().Errors);
    }

    [Fact]
    public async Task GetOrSetAsync_ReadOnly_NeverWritesBack()
    {
        // arrange
        using var h = new CacheHarness(o => o.ReadOnly = true);
        var source = new Source("v1");

        // act
        await h.GetAsync(source);
        await h.GetAsync(source);

        // assert
        Assert.Equal(2, source.Calls);
        Assert.Equal(0, h.Chaos.Writes);
        Assert.Equal(2, h.Chaos.Reads);
    }

    [Fact]
    public async Task GetOrSetAsync_PayloadOverMaxPayloadBytes_IsReturnedButNotStored()
    {
        // arrange
        using var h = new CacheHarness(o => o.MaxPayloadBytes = 16);
        var source = new Source(new string('x', 100));

        // act
        string first = await h.GetAsync(source);
        string second = await h.GetAsync(source);

        // assert
        Assert.Equal(source.Value, first);
        Assert.Equal(source.Value, second);
        Assert.Equal(2, source.Calls);

        // only the first miss's reservation (the second read finds it and requires it): no entry is written
        Assert.Equal(1, h.Chaos.Writes);
        Assert.Equal("other", await h.GetAsync(new Source("other")));
        Assert.Equal(2, h.Errors.Sum((CacheGenDiagnostics.ErrorTypeTag, "oversize")));
    }

    [Fact]
    public async Task GetOrSetAsync_VersionOption_IsPartOfTheFullKey()
    {
        // arrange
        using var h = new CacheHarness(o =>
        {
            o.KeyPrefix = "app";
            o.Version = "7";
        });
        var source = new Source("v1");

        // act
        await h.GetAsync(source);

        // assert
        Assert.Equal("app:7:ns:k", h.FullKey());
        Assert.NotNull(await h.Chaos.GetRawAsync("app:7:ns:k"));
    }

    [Fact]
    public async Task GetOrSetAsync_ClientClockSkewedAnHour_StoresTheRelativeTtl()
    {
        // arrange: the client's wall clock is an hour ahead of the store's; only relative TTLs may reach the store
        var skewed = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 1, 0, 0, TimeSpan.Zero));
        using var h = new CacheHarness(clientTime: skewed);
        var source = new Source("v1");

        // act
        await h.GetAsync(source);
        h.Time.Advance(TimeSpan.FromSeconds(59));
        string beforeExpiry = await h.GetAsync(source);
        h.Time.Advance(TimeSpan.FromSeconds(2));
        source.Value = "v2";
        string afterExpiry = await h.GetAsync(source);

        // assert
        Assert.Equal(TimeSpan.FromSeconds(60), h.Chaos.LastWriteTtl);
        Assert.Equal("v1", beforeExpiry);
        Assert.Equal("v2", afterExpiry);
        Assert.Equal(2, source.Calls);
    }

    [Fact]
    public async Task InvalidateNamespaceAsync_FromAClientWithASkewedClock_IsHonouredByTheOther()
    {
        // arrange: two runtime instances on one store, clocks five minutes apart in both directions
        using var ahead = new CacheHarness(clientTime: new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 5, 0, TimeSpan.Zero)));
        using var behind = new CacheHarness(clientTime: new FakeTimeProvider(new DateTimeOffset(2024, 12, 31, 23, 55, 0, TimeSpan.Zero)), memory: ahead.Memory);
        var source = new Source("v1");
        await ahead.GetAsync(source);
        source.Value = "v2";

        // act
        await behind.Client.InvalidateNamespaceAsync("ns");
        string fromAhead = await ahead.GetAsync(source);
        source.Value = "v3";
        await ahead.Client.InvalidateKeyAsync("ns", "k");
        string fromBehind = await behind.GetAsync(source);

        // assert
        Assert.Equal("v2", fromAhead);
        Assert.Equal("v3", fromBehind);
    }

    [Fact]
    public async Task InvalidateAsync_EmptyNamespaceOrTag_ThrowsArgumentException()
    {
        // arrange
        using var h = new CacheHarness(chaos: false);

        // act, assert
        await Assert.ThrowsAsync<ArgumentException>(() => h.Client.InvalidateKeyAsync(string.Empty, "k").AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => h.Client.InvalidateTagAsync(string.Empty).AsTask());
    }

    [Fact]
    public async Task GetOrSetAsync_LongTtlWithJitter_NeverOutlivesTheInvalidationStamps()
    {
        // arrange: CacheGenDefaults says stamps (MaxTtlSeconds) must outlive every entry; entry TTLs are capped for that
        using var h = new CacheHarness(o => o.TtlJitter = 0.5);
        var longLived = new CachedMethod("ns", "T.M~long", 30 * 24 * 3600, "fp");
        var stampTtl = TimeSpan.FromSeconds(CacheGenDefaults.MaxTtlSeconds);
        var ttls = new List<TimeSpan>();

        // act
        for (int i = 0; i < 20; i++)
        {
            await h.GetAsync(new Source("v"), "k" + i, method: longLived);
            ttls.Add(h.Chaos.LastWriteTtl!.Value);
        }

        // assert
        Assert.All(ttls, ttl => Assert.True(ttl < stampTtl, $"entry TTL {ttl} outlives the stamp TTL {stampTtl}"));
    }

    [Fact]
    public async Task InvalidateNamespaceAsync_EntryWithJitteredLongTtl_StaysInvalidAfterTheStampExpires()
    {
        // arrange: an entry written before the invalidation with the longest TTL jitter can give
        using var h = new CacheHarness(o => o.TtlJitter = 1.0);
        var longLived = new CachedMethod("ns", "T.M~long", 30 * 24 * 3600, "fp");
        const string key = "k";
        await h.GetAsync(new Source("old"), key, method: longLived);
        Assert.True(h.Chaos.LastWriteTtl < TimeSpan.FromDays(31), $"TTL {h.Chaos.LastWriteTtl} outlives the 31-day stamp");
        await h.Client.InvalidateNamespaceAsync("ns");

        // act: nobody reads the key until the namespace stamp has expired
        h.Time.Advance(TimeSpan.FromDays(31) + TimeSpan.FromHours(1));
        var source = new Source("new");
        string value = await h.GetAsync(source, key, method: longLived);

        // assert: the value cached before the invalidation must not come back
        Assert.Equal("new", value);
    }
}
