using System.Globalization;
using CacheGen.IntegrationTests.Infrastructure;
using StackExchange.Redis;

namespace CacheGen.IntegrationTests;

/// <summary>
/// Issue 10 item 3 (docs/design.md S19, S20): a Cluster primary is killed while 16 callers read and invalidate; its
/// replica is promoted and CacheGen follows it, with default options.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Cluster")]
public sealed class ClusterFailoverTests(RedisClusterFixture cluster, ITestOutputHelper output)
{
    private static readonly CachedMethod s_items = new("items", "Item.Get", 300, "fp-items");

    [RedisFact]
    public async Task KillPrimary_16CallersReadingAndInvalidating_NoExceptionNoStaleReadAfterPromotion_BackWithin5s()
    {
        // arrange: 300 keys over the three primaries; probe keys on the victim's slots only
        using var cache = await TestCache.CreateAsync(cluster.Configuration);
        string[] keys = [.. Enumerable.Range(0, 300).Select(i => "i" + i.ToString(CultureInfo.InvariantCulture))];
        var victim = await cluster.GetPrimaryOfAsync(cache.Client.GetFullKey("items", keys[0]));
        var victimSlots = await cluster.GetSlotsAsync(victim);
        using var raw = await ConnectionMultiplexer.ConnectAsync(cluster.Configuration);
        string[] probeKeys = [.. Enumerable.Range(0, 100_000).Select(i => "probe" + i.ToString(CultureInfo.InvariantCulture))
            .Where(k => victimSlots.Contains(raw.HashSlot(cache.Client.GetFullKey("items", k)))).Take(400)];
        var workload = new FailoverWorkload(cluster.Configuration, cache, s_items, keys, probeKeys);

        // act
        FailoverWorkload.Result result;
        try
        {
            result = await workload.RunAsync(
                async () => (await cluster.KillPrimaryAsync(victim, TimeSpan.FromSeconds(20))).Elapsed,
                after: TimeSpan.FromSeconds(1));
        }
        finally
        {
            await cluster.RestoreAsync();
        }

        // assert
        result.AssertFollowed(output, cache.Client, backAfterFault: TimeSpan.FromSeconds(5));
    }
}
