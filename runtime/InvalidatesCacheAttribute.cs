namespace CacheGen;

/// <summary>
/// Marks a <c>partial</c> method that invalidates cache entries after its <c>{Name}Core</c> implementation
/// returns successfully (never after it throws). May be applied several times.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>[InvalidatesCache("thermal")]</c> drops the whole namespace.</item>
/// <item><c>[InvalidatesCache("thermal", Key = "rack:{rackId}")]</c> drops the one entry whose <see cref="CachedAttribute.Key"/> template gives the same key.</item>
/// <item><c>[InvalidatesCache(Tags = ["rack:{rackId}"])]</c> drops every entry carrying that tag, in any namespace.</item>
/// </list>
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class InvalidatesCacheAttribute : Attribute
{
    /// <summary>Creates the attribute for the tag form; set <see cref="Tags"/>.</summary>
    public InvalidatesCacheAttribute()
    {
    }

    /// <summary>Creates the attribute for the namespace form, or the key form when <see cref="Key"/> is set.</summary>
    /// <param name="namespace">The cache namespace to invalidate.</param>
    public InvalidatesCacheAttribute(string @namespace) => Namespace = @namespace;

    /// <summary>Gets the namespace, or <see langword="null"/> for the tag form.</summary>
    public string? Namespace { get; }

    /// <summary>Gets or sets a key template; only the entry with that key is dropped.</summary>
    public string? Key { get; set; }

    /// <summary>Gets or sets tag templates; every entry carrying one of the tags is dropped.</summary>
    public string[]? Tags { get; set; }
}
