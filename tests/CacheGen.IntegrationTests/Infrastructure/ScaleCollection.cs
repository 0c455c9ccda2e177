namespace CacheGen.IntegrationTests.Infrastructure;

/// <summary>Tests that fill a server of their own with many entries: they run alone, so their timings are their own.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ScaleCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Redis scale";
}
