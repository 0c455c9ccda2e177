namespace CacheGen;

/// <summary>
/// Moves bytes for <see cref="CacheClient"/>. Implementations must be safe for concurrent use, honour the
/// token (the client's timeout arrives through it), and throw on failure: the client counts, logs and
/// degrades; the store never needs to.
/// </summary>
public interface ICacheStore
{
    /// <summary>Gets a short name for statistics and logs (<c>redis</c>, <c>memory</c>).</summary>
    string Name { get; }

    /// <summary>Reads the value under <paramref name="key"/> and the stamps under <paramref name="stampKeys"/>, concurrently.</summary>
    ValueTask<CacheStoreReadResult> ReadAsync(string key, IReadOnlyList<string> stampKeys, CancellationToken cancellationToken);

    /// <summary>
    /// Stores <paramref name="value"/> only if the first <c>19</c> bytes now under <paramref name="key"/> equal
    /// <paramref name="expectedHeader"/> (empty: the key is absent), checked atomically by the store.
    /// </summary>
    /// <returns><see langword="true"/> if written; <see langword="false"/> if the key changed since it was read.</returns>
    ValueTask<bool> WriteIfUnchangedAsync(string key, ReadOnlyMemory<byte> expectedHeader, byte[] value, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>Removes <paramref name="key"/>, leaving <paramref name="tombstone"/> for <paramref name="tombstoneTtl"/> so that a write-back read earlier is refused.</summary>
    ValueTask RemoveAsync(string key, byte[] tombstone, TimeSpan tombstoneTtl, CancellationToken cancellationToken);

    /// <summary>Sets a namespace or tag stamp to a new value.</summary>
    ValueTask SetStampAsync(string stampKey, string stamp, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>
    /// Returns the stamp under <paramref name="stampKey"/>, first setting it to <paramref name="candidate"/> (for
    /// <paramref name="ttl"/>) if it is absent, atomically: two clients that find it missing agree on one value.
    /// </summary>
    ValueTask<string> EnsureStampAsync(string stampKey, string candidate, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes every key matching the Redis glob <paramref name="pattern"/> (a full-key pattern, prefix included), on
    /// every primary. For operators only: the cost grows with the number of keys. Keys deleted before a failure or a
    /// cancellation stay deleted.
    /// </summary>
    /// <returns>The number of keys deleted.</returns>
    ValueTask<long> RemoveByPatternAsync(string pattern, CancellationToken cancellationToken);
}

/// <summary>What <see cref="ICacheStore.ReadAsync"/> found.</summary>
/// <param name="Value">The bytes under the key, or <see langword="null"/>.</param>
/// <param name="Stamps">The stamps, in the order asked for; <see langword="null"/> where absent.</param>
public readonly record struct CacheStoreReadResult(byte[]? Value, string?[] Stamps);
