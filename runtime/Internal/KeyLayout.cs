namespace CacheGen.Internal;

/// <summary>
/// Where the cache keeps things in Redis under one prefix (<c>KeyPrefix</c>, then <c>:Version</c> when set): entries
/// <c>{prefix}:{namespace}:{key}</c>; namespace stamps <c>{prefix}:%ns:{namespace}</c>; tag stamps
/// <c>{prefix}:%tag:{tag}</c>; the prefix's epoch <c>{prefix}:%epoch</c>; the probe key <c>{prefix}:%probe</c>. Every one
/// is a single key (no hash tags), so it works on a Redis Cluster unchanged (docs/design.md).
/// </summary>
internal sealed class KeyLayout
{
    /// <summary>Where the tag stamps start in a read's stamps: after the epoch (0) and the namespace stamp (1).</summary>
    public const int StampsOffset = 2;

    public KeyLayout(string prefix)
    {
        Prefix = prefix;
        Probe = prefix + ":%probe";
        Epoch = prefix + ":%epoch";
    }

    /// <summary>Gets the prefix every key starts with.</summary>
    public string Prefix { get; }

    /// <summary>Gets the key the background probe reads: any answer, even "absent", proves the store serves reads.</summary>
    public string Probe { get; }

    /// <summary>Gets the prefix's epoch: one stamp every entry records, so losing the whole keyspace (FLUSHALL, a new server) retires every late write-back too.</summary>
    public string Epoch { get; }

    /// <summary>The epoch and the namespace stamp as one recorded value (the envelope's namespace-stamp field).</summary>
    public static string ScopeStamp(string?[] stamps) => stamps[0] + "/" + stamps[1];

    /// <summary>Gets the full key of <paramref name="key"/> in <paramref name="namespace"/>.</summary>
    public string FullKey(string @namespace, string key) => Prefix + ":" + @namespace + ":" + key;

    public string NamespaceStamp(string @namespace) => Prefix + ":%ns:" + @namespace;

    public string TagStamp(string tag) => Prefix + ":%tag:" + tag;

    /// <summary>A new stamp value: 96 random bits as lower-case hex.</summary>
    public static string NewStamp()
    {
        Span<byte> bytes = stackalloc byte[12];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        return Convert.ToHexStringLower(bytes);
    }
}
