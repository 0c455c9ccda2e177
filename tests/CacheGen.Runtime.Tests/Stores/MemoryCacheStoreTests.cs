using CacheGen.Runtime.Tests.Infrastructure;
using CacheGen.Stores;

namespace CacheGen.Runtime.Tests.Stores;

public sealed class MemoryCacheStoreTests
{
    private static readonly TimeSpan s_ttl = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task RemoveByPatternAsync_RemovesMatchingKeys_CountsOnlyLiveOnes()
    {
        // arrange
        var time = new FakeTimeProvider();
        var store = new MemoryCacheStore(time);
        await store.SetStampAsync("p:a:1", "x", s_ttl, CancellationToken.None);
        await store.SetStampAsync("p:a:2", "x", s_ttl, CancellationToken.None);
        await store.SetStampAsync("p:a:short", "x", TimeSpan.FromSeconds(1), CancellationToken.None);
        await store.SetStampAsync("p:b:1", "x", s_ttl, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(2));

        // act
        long removed = await store.RemoveByPatternAsync("p:a:*", CancellationToken.None);

        // assert: the expired item is purged but, as in Redis, it was already gone
        Assert.Equal(2, removed);
        Assert.Equal(1, store.Count);
        Assert.NotNull((await store.ReadAsync("p:b:1", [], CancellationToken.None)).Value);
    }

    [Fact]
    public async Task RemoveByPatternAsync_CancelledToken_Throws()
    {
        var store = new MemoryCacheStore(new FakeTimeProvider());
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.RemoveByPatternAsync("*", cts.Token));
    }

    [Fact]
    public async Task RemoveByPatternAsync_GlobCharactersInKeys_MatchAsInRedis()
    {
        // arrange
        var store = new MemoryCacheStore(new FakeTimeProvider());
        foreach (string key in new[] { "k:al*", "k:alice", "k:al[i]ce", @"k:back\slash" })
        {
            await store.SetStampAsync(key, "x", s_ttl, CancellationToken.None);
        }

        // act, assert
        Assert.Equal(1, await store.RemoveByPatternAsync(@"k:al\*", CancellationToken.None));
        Assert.Equal(1, await store.RemoveByPatternAsync(@"k:al\[i\]ce", CancellationToken.None));
        Assert.Equal(1, await store.RemoveByPatternAsync(@"k:back\\slash", CancellationToken.None));
        Assert.Equal(1, await store.RemoveByPatternAsync("k:*", CancellationToken.None));
        Assert.Equal(0, store.Count);
    }
}
