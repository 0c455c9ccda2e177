using System.ComponentModel.DataAnnotations;

namespace CacheGen;

/// <summary>Per-namespace overrides, under <c>CacheGen:Namespaces:{name}</c>.</summary>
public sealed class CacheNamespaceOptions
{
    /// <summary>Gets or sets whether this namespace is cached. <value>Default: <see langword="true"/>.</value></summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets a TTL in seconds that replaces the one in <see cref="CachedAttribute"/>. <value>Default: <see langword="null"/> (the attribute's).</value></summary>
    [Range(1, CacheGenDefaults.MaxTtlSeconds)]
    public int? TtlSeconds { get; set; }

    /// <summary>Gets or sets whether this namespace uses the in-process level (<see cref="CacheGenOptions.L1"/>). <value>Default: <see langword="null"/> (<see cref="CacheGenL1Options.Enabled"/>).</value></summary>
    public bool? L1 { get; set; }
}
