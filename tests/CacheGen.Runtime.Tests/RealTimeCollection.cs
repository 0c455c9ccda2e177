namespace CacheGen.Runtime.Tests;

/// <summary>Tests that measure real elapsed time; they run after the parallel ones, one at a time.</summary>
[CollectionDefinition(nameof(RealTimeCollection), DisableParallelization = true)]
public sealed class RealTimeCollection;
