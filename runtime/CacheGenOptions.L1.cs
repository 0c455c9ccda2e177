namespace CacheGen;

/// <summary>The in-process level (issue 11).</summary>
public sealed partial class CacheGenOptions
{
    /// <summary>Gets the in-process level's options (<c>CacheGen:L1</c>).</summary>
    public CacheGenL1Options L1 { get; } = new();
}
