namespace CacheGen.IntegrationTests.Infrastructure;

/// <summary>
/// Tests that kill, freeze or cut off a server: each starts servers of its own, and the collection runs alone,
/// after the parallel ones, so its latency bounds are not measured on a machine busy with other tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Redis faults";
}
