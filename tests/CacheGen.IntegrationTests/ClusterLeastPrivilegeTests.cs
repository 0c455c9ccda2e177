using CacheGen.IntegrationTests.Infrastructure;

namespace CacheGen.IntegrationTests;

/// <summary>
/// Issue 10 item 4: the least-privilege ACL for a Cluster, verified. Every node gets the same named user (ACLs are per
/// node, not replicated): the single-server ACL of <see cref="LeastPrivilegeTests"/> plus <c>cluster|nodes</c> and
/// <c>cluster|slots</c>, which the client needs to learn the slot map, and <c>readonly</c>, which it sends to replicas. Every runtime operation works, on all three
/// primaries, and no node denies anything but the client's harmless connect probe.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Cluster")]
public sealed class ClusterLeastPrivilegeTests(RedisClusterFixture cluster, ITestOutputHelper output)
{
    /// <summary>The ACL of the README's "Running on Cluster and Sentinel" section.</summary>
    internal const string Acl = LeastPrivilegeTests.Acl + " +cluster|nodes +cluster|slots +readonly";

    private static readonly CachedMethod s_method = new("acl", "Acl.Get", 60, "fp");

    [RedisFact]
    public async Task ClusterAcl_EveryRuntimeOperationWorksOnEveryPrimary_NothingIsDenied()
    {
        // arrange
        foreach (var node in cluster.Nodes)
        {
            (await node.ExecuteAsync("ACL", "SETUSER", "clobserver", "on", ">observerpw", "+acl|log")).EnsureSuccess();
            (await node.ExecuteAsync(["ACL", "SETUSER", "cacheapp", .. Acl.Split(' ')])).EnsureSuccess();
            (await node.ExecuteAsync("ACL", "LOG", "RESET")).EnsureSuccess();
        }

        try
        {
            using var cache = await TestCache.CreateAsync(cluster.Configuration + ",user=cacheapp,password=apppw", o =>
            {
                o.KeyPrefix = "cache";
                o.OperationTimeoutMs = 5000;
            });

            // act: 30 keys, so every primary takes entries, stamps and deletes
            for (int i = 0; i < 30; i++)
            {
                string key = "k" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                Assert.Equal("v" + key, await cache.GetAsync(s_method, key, () => "v" + key, ["t"]));
                Assert.Equal("v" + key, await cache.GetAsync(s_method, key, () => "not called", ["t"]));
            }

            await cache.Client.InvalidateKeyAsync("acl", "k0");
            await cache.Client.InvalidateNamespaceAsync("acl");
            await cache.Client.InvalidateTagAsync("t");
            long patternRemoved = await cache.Client.InvalidatePatternAsync("acl", "k1*");
            var stats = await cache.Client.GetStatisticsAsync();
            long cleared = await cache.Client.ClearAsync();

            // assert
            var denied = new List<string>();
            foreach (var node in cluster.Nodes)
            {
                denied.AddRange((await RedisNodeQueries.DeniedAsync(node, "clobserver", "observerpw")).Select(d => node.Port + ":" + d));
            }

            output.WriteLine($"{stats}; pattern removed {patternRemoved}, cleared {cleared}; denied: {string.Join(", ", denied)}");
            Assert.Equal((30L, 30L, 0L), (stats.Hits, stats.Misses, stats.Errors));
            Assert.Equal(11, patternRemoved);
            Assert.True(cleared >= 19, "the remaining entries, the tombstone and both stamps");
            Assert.NotNull(stats.RedisUsedMemoryBytes);
            Assert.Equal(0, stats.PendingInvalidations);
            Assert.All(denied, d => Assert.Contains(d[(d.IndexOf(':') + 1)..], (string[])["config|get", "client|id", "__Booksleeve_TieBreak", "config"]));
        }
        finally
        {
            foreach (var node in cluster.Nodes)
            {
                await node.ExecuteAsync("ACL", "DELUSER", "cacheapp", "clobserver");
            }
        }
    }
}
