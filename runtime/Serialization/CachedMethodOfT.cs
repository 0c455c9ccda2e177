using MessagePack;
using MessagePack.Formatters;

namespace CacheGen;

/// <summary>
/// A <see cref="CachedMethod"/> that also carries the formatter the generator emitted for its value type
/// (or the one named by <see cref="CachedAttribute.Serializer"/>), and what the generator proved about the type.
/// </summary>
/// <typeparam name="T">The cached value type.</typeparam>
public sealed class CachedMethod<T> : CachedMethod
{
    private readonly MessagePackSerializerOptions _options;

    /// <summary>Creates a descriptor. Called by generated code.</summary>
    /// <param name="namespace">The cache namespace.</param>
    /// <param name="identity">The key's identity.</param>
    /// <param name="ttlSeconds">The declared time to live, in seconds.</param>
    /// <param name="schemaFingerprint">A hash of the type walk: every member, enum value, known derived type and the key's shape.</param>
    /// <param name="formatter">Writes and reads <typeparamref name="T"/>.</param>
    /// <param name="isDeeplyImmutable">Whether the generator proved that no part of a <typeparamref name="T"/> can change after construction, so one instance may be shared between callers.</param>
    public CachedMethod(string @namespace, string identity, int ttlSeconds, string schemaFingerprint, IMessagePackFormatter<T> formatter, bool isDeeplyImmutable)
        : base(@namespace, identity, ttlSeconds, schemaFingerprint)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        Formatter = formatter;
        IsDeeplyImmutable = isDeeplyImmutable;
        _options = Serialization.CacheValueSerializer.CreateOptions(formatter);
    }

    /// <summary>Gets the formatter of the value type.</summary>
    public IMessagePackFormatter<T> Formatter { get; }

    /// <summary>
    /// Gets whether the generator proved the value type deeply immutable (every member read-only, of immutable
    /// types, and no unknown derived type): callers may then share one instance; otherwise each gets its own copy.
    /// </summary>
    public bool IsDeeplyImmutable { get; }

    internal byte[] Serialize(T value) => Serialization.CacheValueSerializer.Serialize(value, _options);

    internal T Deserialize(ReadOnlyMemory<byte> payload) => Serialization.CacheValueSerializer.Deserialize<T>(payload, _options);
}
