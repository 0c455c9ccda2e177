using System.Text;
using CacheGen.Internal;
using CacheGen.Stores;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace CacheGen.Runtime.Tests.Internal;

/// <summary>
/// <see cref="StampTokens"/> without a server (docs/design.md "The Redis hit path", local stamps): its tag copies are
/// bounded, and nothing is trusted while the backplane is not in sync. The rules that need a subscription are tested
/// against a real redis-server in <c>LocalStampTests</c>.
/// </summary>
public sealed class StampTokensTests
{
    [Fact]
    public void Keep_ManyTags_TagCopiesStayBounded()
    {
        // arrange: a bound of 16 tag copies, and a read per tag for 200 tags
        var time = new FakeTimeProvider();
        var l1 = new L1Cache(100, 1 << 20, time);
        using var store = new RedisCacheStore(ConfigurationOptions.Parse("127.0.0.1:1,abortConnect=false"), time);
        using var backplane = new RedisBackplane(store, "p", l1, 1000, time, NullLogger.Instance);
        var tokens = new StampTokens(l1, backplane, time, TimeSpan.FromSeconds(60), maxTags: 16);
        int most = 0;

        // act
        for (int i = 0; i < 200; i++)
        {
            string[] tags = ["t" + i];
            var snapshot = l1.Take("ns", "p:ns:k" + i, tags);
            tokens.Keep("ns", tags, snapshot, Reply("e", "n", "s" + i), time.GetTimestamp());
            most = Math.Max(most, tokens.TagCount);
        }

        // assert: never more than the bound plus the one being added
        Assert.True(most <= 17, $"{most} tag copies held with a bound of 16");
        Assert.Equal(1, tokens.ScopeCount);
    }

    [Fact]
    public void TryGet_BackplaneNotInSync_TrustsNothing()
    {
        // arrange: a copy kept, but the backplane has never heard its own ping
        var time = new FakeTimeProvider();
        var l1 = new L1Cache(100, 1 << 20, time);
        using var store = new RedisCacheStore(ConfigurationOptions.Parse("127.0.0.1:1,abortConnect=false"), time);
        using var backplane = new RedisBackplane(store, "p", l1, 1000, time, NullLogger.Instance);
        var tokens = new StampTokens(l1, backplane, time, TimeSpan.FromSeconds(60), maxTags: 16);
        tokens.Keep("ns", null, l1.Take("ns", "p:ns:k", null), Reply("e", "n"), time.GetTimestamp());

        // act / assert
        Assert.Equal(1, tokens.ScopeCount);
        Assert.False(tokens.TryGet("ns", null, time.GetTimestamp(), out _));
    }

    private static RedisValue[] Reply(string epoch, string ns, params string[] tagStamps) =>
        [RedisValue.Null, Encoding.UTF8.GetBytes(epoch), Encoding.UTF8.GetBytes(ns), .. tagStamps.Select(s => (RedisValue)Encoding.UTF8.GetBytes(s))];
}
