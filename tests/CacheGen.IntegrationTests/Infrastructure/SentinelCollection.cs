namespace CacheGen.IntegrationTests.Infrastructure;

/// <summary>
/// Tests on the one Sentinel set-up of the run (primary, replica, three sentinels, started once). The collection runs
/// alone, after the parallel ones: its failover bounds are timings, and it fails the set-up over between tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SentinelCollection : ICollectionFixture<RedisSentinelFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Redis Sentinel";
}
