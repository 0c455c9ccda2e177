namespace CacheGen.Sample;

/// <summary>The sample's own settings, section <c>Sample</c> (environment: <c>Sample__AdminKey</c>, …).</summary>
public sealed class SampleOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Sample";

    /// <summary>
    /// Gets or sets the key operators send as <c>X-Admin-Key</c> to the <c>/health/cache/*</c> and <c>/health/detailed</c>
    /// endpoints. Empty: a random key is made at start and printed once.
    /// </summary>
    public string? AdminKey { get; set; }

    /// <summary>Gets or sets a factor on the expensive computations (1: the real cost; tests of invalidation use less).</summary>
    public double WorkFactor { get; set; } = 1;

    /// <summary>Gets or sets the latency of the user's rack query, in milliseconds (the seed systems' database round trips).</summary>
    public int UserQueryLatencyMs { get; set; } = 80;
}
