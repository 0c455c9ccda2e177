namespace CacheGen.Stores;

/// <summary>Stands in when the store cannot be configured at all (e.g. a malformed Redis URL): the client bypasses the cache and reports Unhealthy.</summary>
internal sealed class UnavailableCacheStore(string reason) : ICacheStore
{
    public string Reason { get; } = reason;

    public string Name => "unavailable";

    public ValueTask<CacheStoreReadResult> ReadAsync(string key, IReadOnlyList<string> stampKeys, CancellationToken cancellationToken) => throw Unavailable();

    public ValueTask<bool> WriteIfUnchangedAsync(string key, ReadOnlyMemory<byte> expectedHeader, byte[] value, TimeSpan ttl, CancellationToken cancellationToken) => throw Unavailable();

    public ValueTask RemoveAsync(string key, byte[] tombstone, TimeSpan tombstoneTtl, CancellationToken cancellationToken) => throw Unavailable();

    public ValueTask SetStampAsync(string stampKey, string stamp, TimeSpan ttl, CancellationToken cancellationToken) => throw Unavailable();

    public ValueTask<string> EnsureStampAsync(string stampKey, string candidate, TimeSpan ttl, CancellationToken cancellationToken) => throw Unavailable();

    public ValueTask<long> RemoveByPatternAsync(string pattern, CancellationToken cancellationToken) => throw Unavailable();

    private InvalidOperationException Unavailable() => new("The cache store is unavailable: " + Reason);
}
