namespace CacheGen.IntegrationTests.Infrastructure;

/// <summary>
/// Tests on the one Redis Cluster of the run (3 primaries + 3 replicas, started once). The collection runs alone, after
/// the parallel ones: its failover bounds are timings, and it kills and restores nodes the other tests share.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection : ICollectionFixture<RedisClusterFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Redis Cluster";
}
