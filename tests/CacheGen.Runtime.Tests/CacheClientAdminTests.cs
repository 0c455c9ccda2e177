using CacheGen.Runtime.Tests.Infrastructure;
using CacheGen.Stores;
using Microsoft.Extensions.Logging;

namespace CacheGen.Runtime.Tests;

/// <summary>The operator commands of <see cref="ICacheAdmin"/> over the in-memory store (docs/design.md S15).</summary>
public sealed class CacheClientAdminTests
{
    private static readonly CachedMethod s_racks = new("ns", "rack", 60, "fp");
    private static readonly CachedMethod s_other = new("other", "rack", 60, "fp");

    [Theory]
    [MemberData(nameof(CacheKeyPatternTests.S15Values), MemberType = typeof(CacheKeyPatternTests))]
    public async Task InvalidatePatternAsync_LiteralOfAnS15Value_DeletesExactlyThatEntry(string value)
    {
        // arrange: one entry per S15 value, under the key a generated Key = "rack:{name}" builds
        using var h = new CacheHarness();
        var sources = CacheKeyPatternTests.S15.ToDictionary(v => v, v => new Source("value of " + v));
        foreach (string v in CacheKeyPatternTests.S15)
        {
            await h.GetAsync(sources[v], CacheKeyPatternTests.KeyOf(v), method: s_racks);
        }

        // act
        long removed = await h.Client.InvalidatePatternAsync("ns", "rack:" + CacheKeyPattern.Literal(value));

        // assert: 0 over-deletes, 0 under-deletes
        Assert.Equal(1, removed);
        foreach (string v in CacheKeyPatternTests.S15)
        {
            bool present = await h.Chaos.GetRawAsync(h.Client.GetFullKey("ns", CacheKeyPatternTests.KeyOf(v))) is not null;
            Assert.True(present == (v != value), $"value '{v}': present={present} after deleting '{value}'");
        }

        await h.GetAsync(sources[value], CacheKeyPatternTests.KeyOf(value), method: s_racks);
        Assert.Equal(2, sources[value].Calls);
    }

    [Fact]
    public async Task InvalidatePatternAsync_Glob_DeletesItsNamespaceOnly_NeverStamps()
    {
        // arrange
        using var h = new CacheHarness();
        var source = new Source();
        await h.GetAsync(source, "rack:1", method: s_racks);
        await h.GetAsync(source, "rack:2", method: s_racks);
        await h.GetAsync(source, "room:1", method: s_racks);
        await h.GetAsync(source, "rack:1", method: s_other);
        await h.Client.InvalidateNamespaceAsync("ns");
        int before = h.Memory.Count;

        // act
        long removed = await h.Client.InvalidatePatternAsync("ns", "rack:*");

        // assert
        Assert.Equal(2, removed);
        Assert.Equal(before - 2, h.Memory.Count);
        Assert.NotNull(await h.Chaos.GetRawAsync(h.Client.GetFullKey("ns", "room:1")));
        Assert.NotNull(await h.Chaos.GetRawAsync(h.Client.GetFullKey("other", "rack:1")));
        Assert.NotNull(await h.Chaos.GetRawAsync("cache:%ns:ns"));
    }

    [Fact]
    public async Task ClearAsync_DeletesEveryKeyUnderThePrefix_AndNothingElse()
    {
        // arrange: two clients with different prefixes on one store; entries, a tombstone and stamps
        using var mine = new CacheHarness(o => o.KeyPrefix = "mine");
        using var theirs = new CacheHarness(o => o.KeyPrefix = "theirs", memory: mine.Memory);
        var source = new Source();
        await mine.GetAsync(source, "a", ["t"]);
        await mine.GetAsync(source, "b", method: s_other);
        await mine.Client.InvalidateKeyAsync("ns", "gone");
        await mine.Client.InvalidateNamespaceAsync("ns");
        await mine.Client.InvalidateTagAsync("t");
        await theirs.GetAsync(source, "a");
        await mine.Chaos.PutRawAsync("mine-not-ours:x", [1]);
        int before = mine.Memory.Count;

        // act
        long removed = await mine.Client.ClearAsync();

        // assert: 2 entries, 1 tombstone, the epoch and 3 stamps (2 namespaces, 1 tag); nothing of 'theirs' (entry,
        // epoch, stamp), nor of a prefix that merely starts alike
        Assert.Equal(11, before);
        Assert.Equal(7, removed);
        Assert.Equal(4, mine.Memory.Count);
        Assert.NotNull(await mine.Chaos.GetRawAsync("mine-not-ours:x"));
        Assert.NotNull(await theirs.Chaos.GetRawAsync(theirs.FullKey("a")));
        Assert.Null(await mine.Chaos.GetRawAsync("mine:%ns:ns"));
        Assert.Null(await mine.Chaos.GetRawAsync("mine:%tag:t"));
    }

    [Fact]
    public async Task ClearAsync_WithVersion_ClearsThatVersionOnly()
    {
        // arrange
        using var v1 = new CacheHarness(o => o.Version = "v1");
        using var v2 = new CacheHarness(o => o.Version = "v2", memory: v1.Memory);
        var source = new Source();
        await v1.GetAsync(source);
        await v2.GetAsync(source);

        // act
        long removed = await v2.Client.ClearAsync();

        // assert: the entry, the epoch and the namespace stamp of v2
        Assert.Equal(3, removed);
        Assert.NotNull(await v1.Chaos.GetRawAsync(v1.FullKey()));
        Assert.Null(await v2.Chaos.GetRawAsync(v2.FullKey()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("n:s")]
    [InlineData("n*")]
    [InlineData("%ns")]
    [InlineData("a b")]
    [InlineData("[x]")]
    public async Task InvalidatePatternAsync_NamespaceThatIsNotPlain_Throws(string ns)
    {
        using var h = new CacheHarness();

        await Assert.ThrowsAsync<ArgumentException>(async () => await h.Client.InvalidatePatternAsync(ns, "*"));
        Assert.Equal(0, h.Chaos.PatternRemoves);
    }

    [Fact]
    public async Task InvalidatePatternAsync_NullPattern_Throws()
    {
        using var h = new CacheHarness();

        await Assert.ThrowsAsync<ArgumentNullException>(async () => await h.Client.InvalidatePatternAsync("ns", null!));
    }

    [Fact]
    public async Task InvalidatePatternAsync_Succeeds_LogsAndMetersTheRemovedKeys()
    {
        // arrange
        using var h = new CacheHarness();
        var source = new Source();
        await h.GetAsync(source, "rack:1");
        await h.GetAsync(source, "rack:2");

        // act
        await h.Client.InvalidatePatternAsync("ns", "rack:*");
        await h.Client.ClearAsync();

        // assert: the pattern (it may hold user data) reaches Debug only
        Assert.Equal(2, h.KeysRemoved.Sum((CacheGenDiagnostics.OperationTag, "invalidate_pattern")));
        Assert.Single(h.KeysRemoved.Get((CacheGenDiagnostics.OperationTag, "clear")));
        Assert.Single(h.Duration.Get((CacheGenDiagnostics.OperationTag, "invalidate_pattern")));
        Assert.Contains(h.Logger.Collector.GetSnapshot(), e => e.Id.Id == 33 && e.Level == LogLevel.Information);
        Assert.Contains(h.Logger.Collector.GetSnapshot(), e => e.Id.Id == 35 && e.Level == LogLevel.Information);
        Assert.All(h.Logger.Collector.GetSnapshot().Where(e => e.Message.Contains("rack:", StringComparison.Ordinal)), e => Assert.Equal(LogLevel.Debug, e.Level));
    }

    [Fact]
    public async Task InvalidatePatternAsync_StoreFails_ThrowsCountsAndFeedsTheBreaker()
    {
        // arrange
        using var h = new CacheHarness(o => o.BreakerFailureThreshold = 1);
        h.Chaos.FailNext(1);

        // act
        var e = await Assert.ThrowsAsync<CacheAdminException>(async () => await h.Client.InvalidatePatternAsync("ns", "*"));

        // assert
        Assert.Equal("store", e.ErrorType);
        Assert.IsType<ChaosException>(e.InnerException);
        Assert.Equal(1, h.Client.GetStatistics().Errors);
        Assert.Equal(CircuitState.Open, h.Client.CircuitState);
        Assert.Equal(1, h.Errors.Sum((CacheGenDiagnostics.OperationTag, "invalidate_pattern")));
        Assert.Contains(h.Logger.Collector.GetSnapshot(), l => l.Id.Id == 36 && l.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task ClearAsync_SlowerThanTheOperationTimeout_RunsUntilTheAdminTimeout_WithoutOpeningTheCircuit()
    {
        // arrange: a scan that takes 40 s on the manual clock; the operation timeout is 250 ms, the admin one 30 s
        using var h = new CacheHarness(o => o.BreakerFailureThreshold = 1);
        h.Chaos.Delay(TimeSpan.FromSeconds(40));

        // act
        var clear = h.Client.ClearAsync().AsTask();
        h.Time.Advance(TimeSpan.FromSeconds(29));
        bool runningAt29s = !clear.IsCompleted;
        h.Time.Advance(TimeSpan.FromSeconds(1));
        var e = await Assert.ThrowsAsync<CacheAdminException>(() => clear);

        // assert
        Assert.True(runningAt29s, "the clear was cut short before AdminTimeoutSeconds");
        Assert.Equal("timeout", e.ErrorType);
        Assert.Equal(CircuitState.Closed, h.Client.CircuitState);
        Assert.Equal(1, h.Client.GetStatistics().Errors);
    }

    [Fact]
    public async Task ClearAsync_ShorterThanTheAdminTimeout_Completes()
    {
        // arrange
        using var h = new CacheHarness(o => o.AdminTimeoutSeconds = 5);
        await h.GetAsync(new Source());
        h.Chaos.Delay(TimeSpan.FromSeconds(2));

        // act
        var clear = h.Client.ClearAsync().AsTask();
        h.Time.Advance(TimeSpan.FromSeconds(2));
        long removed = await clear;

        // assert: the entry, the epoch and the namespace stamp
        Assert.Equal(3, removed);
    }

    [Fact]
    public async Task ClearAsync_CircuitOpen_ThrowsWithoutCallingTheStore()
    {
        // arrange
        using var h = new CacheHarness(o => o.BreakerFailureThreshold = 1);
        h.Chaos.FailNext(1);
        await h.GetAsync(new Source());
        Assert.Equal(CircuitState.Open, h.Client.CircuitState);

        // act
        var e = await Assert.ThrowsAsync<CacheAdminException>(async () => await h.Client.ClearAsync());

        // assert
        Assert.Equal("circuit_open", e.ErrorType);
        Assert.Equal(0, h.Chaos.PatternRemoves);
    }

    [Fact]
    public async Task ClearAsync_CallerCancels_PropagatesAndLeavesTheBreakerAlone()
    {
        // arrange
        using var h = new CacheHarness(o => o.BreakerFailureThreshold = 1);
        h.Chaos.Delay(TimeSpan.FromSeconds(10));
        using var cts = new CancellationTokenSource();

        // act
        var clear = h.Client.ClearAsync(cts.Token).AsTask();
        cts.Cancel();

        // assert
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => clear);
        Assert.Equal(CircuitState.Closed, h.Client.CircuitState);
        Assert.Equal(0, h.Client.GetStatistics().Errors);
    }

    [Fact]
    public async Task ClearAsync_StoreIsAReplica_ThrowsReadOnly()
    {
        using var h = new CacheHarness();
        h.Chaos.ReadOnly = true;

        var e = await Assert.ThrowsAsync<CacheAdminException>(async () => await h.Client.ClearAsync());

        Assert.Equal("read_only", e.ErrorType);
        Assert.Equal(0, h.Chaos.PatternRemoves);
    }

    [Fact]
    public async Task ClearAsync_StoreUnavailable_ThrowsUnavailable()
    {
        // arrange: what AddCacheGen builds for a malformed Redis URL
        var store = (ICacheStore)Activator.CreateInstance(typeof(MemoryCacheStore).Assembly.GetType("CacheGen.Stores.UnavailableCacheStore")!, "bad url")!;
        using var client = new CacheClient(store, new SystemTextJsonCacheSerializer(), Microsoft.Extensions.Options.Options.Create(new CacheGenOptions()));

        // act
        var e = await Assert.ThrowsAsync<CacheAdminException>(async () => await client.ClearAsync());

        // assert
        Assert.Equal("unavailable", e.ErrorType);
    }

    [Fact]
    public async Task ClearAsync_DuringAComputation_ItsValueIsNotWrittenBack()
    {
        // arrange: a miss whose factory is still running when the operator clears the cache
        using var h = new CacheHarness();
        var source = new Source("old") { Gate = new TaskCompletionSource() };
        var pending = h.GetAsync(source).AsTask();
        await source.Read.Task;

        // act
        await h.Client.ClearAsync();
        source.Gate.SetResult();
        string returned = await pending;

        // assert: the caller gets its value, but nothing computed before the clear is stored after it
        Assert.Equal("old", returned);
        Assert.Null(await h.Chaos.GetRawAsync(h.FullKey()));
        source.Gate = null;
        source.Value = "new";
        Assert.Equal("new", await h.GetAsync(source));
        Assert.Equal("new", await h.GetAsync(source));
        Assert.Equal(2, source.Calls);
    }
}
