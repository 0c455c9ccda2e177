namespace CacheGen;

/// <summary>
/// What the generator knows about one <see cref="CachedAttribute"/> method, emitted once per method as a
/// static field and passed to <see cref="ICacheClient"/> on every call.
/// </summary>
public class CachedMethod
{
    /// <summary>Creates a descriptor. Called by generated code.</summary>
    /// <param name="namespace">The cache namespace.</param>
    /// <param name="identity">The key's identity: the key template's literal head, or <c>Type.Method~signatureHash</c>.</param>
    /// <param name="ttlSeconds">The declared time to live, in seconds.</param>
    /// <param name="schemaFingerprint">A hash of the return type's serialized shape; stored entries with another fingerprint read as misses.</param>
    public CachedMethod(string @namespace, string identity, int ttlSeconds, string schemaFingerprint)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(identity);
        ArgumentNullException.ThrowIfNull(schemaFingerprint);
        Namespace = @namespace;
        Identity = identity;
        Ttl = TimeSpan.FromSeconds(ttlSeconds);
        SchemaFingerprint = schemaFingerprint;
    }

    /// <summary>Gets the cache namespace.</summary>
    public string Namespace { get; }

    /// <summary>Gets the key identity.</summary>
    public string Identity { get; }

    /// <summary>Gets the declared time to live.</summary>
    public TimeSpan Ttl { get; }

    /// <summary>Gets the schema fingerprint of the cached type.</summary>
    public string SchemaFingerprint { get; }

    /// <summary>
    /// Gets whether the generator proved the method's tags a function of its key: every placeholder of every tag is a
    /// placeholder of the key, so two calls with one key have the same tags. An in-process hit then neither builds the
    /// tags nor compares them with the entry's (set by generated code; leave it unset when that does not hold).
    /// </summary>
    public bool TagsFollowKey { get; init; }

    /// <inheritdoc/>
    public override string ToString() => $"{Namespace}:{Identity}";
}
