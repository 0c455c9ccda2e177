namespace CacheGen;

/// <summary>
/// Marks a <c>partial</c> method whose result is cached. CacheGen generates the method's body at build time:
/// it builds the key, asks the containing type's <see cref="ICacheClient"/> for the value, and on a miss runs
/// the sibling method <c>{Name}Core</c>, which holds the real implementation.
/// </summary>
/// <example>
/// <code>
/// [Cached("thermal", 300, Key = "rack:{rackId}", Tags = ["rack:{rackId}"])]
/// public partial Task&lt;ThermalReport&gt; GetThermalAnalysisAsync(int rackId, CancellationToken ct = default);
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class CachedAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="namespace">The cache namespace: lower-case letters, digits, <c>_</c>, <c>.</c> and <c>-</c>, e.g. <c>thermal</c>.</param>
    /// <param name="ttlSeconds">How long an entry lives, in seconds. Configuration may override it per namespace.</param>
    public CachedAttribute(string @namespace, int ttlSeconds)
    {
        Namespace = @namespace;
        TtlSeconds = ttlSeconds;
    }

    /// <summary>Gets the cache namespace.</summary>
    public string Namespace { get; }

    /// <summary>Gets the time to live, in seconds.</summary>
    public int TtlSeconds { get; }

    /// <summary>
    /// Gets or sets the key template, e.g. <c>"rack:{rackId}:{filter.Region}"</c>. Placeholders name parameters
    /// or their members. When unset, the key is made from every parameter except
    /// <see cref="System.Threading.CancellationToken"/> and <see cref="NotCacheKeyAttribute"/> ones.
    /// </summary>
    public string? Key { get; set; }

    /// <summary>Gets or sets tag templates, e.g. <c>["rack:{rackId}"]</c>; <see cref="InvalidatesCacheAttribute.Tags"/> drops every entry carrying a tag.</summary>
    public string[]? Tags { get; set; }

    /// <summary>Gets or sets an explicit version that is part of the key, e.g. <c>"v1"</c>; change it to retire every entry of this method.</summary>
    public string? Version { get; set; }

    /// <summary>
    /// Gets or sets the escape hatch for a value type CacheGen cannot prove: a class with a public parameterless
    /// constructor that implements <c>MessagePack.Formatters.IMessagePackFormatter&lt;T&gt;</c> for the method's value
    /// type. CacheGen then skips its own type walk for this method and trusts your formatter to round-trip the value
    /// exactly; its fingerprint is the formatter's name and <see cref="Version"/>, so bump <see cref="Version"/> when
    /// the formatter's output changes.
    /// </summary>
    public Type? Serializer { get; set; }
}
