namespace CacheGen;

/// <summary>
/// What a store can tell about the server behind it. Optional: <see cref="CacheClient"/> uses it when the
/// <see cref="ICacheStore"/> also implements it (the Redis store does; the in-memory store does not).
/// </summary>
public interface ICacheStoreInfo
{
    /// <summary>
    /// Gets whether the store takes no writes now (connected to a Redis replica). The client then skips write-backs
    /// and queues invalidations until it turns <see langword="false"/>. Must be cheap: it is read on every write-back.
    /// </summary>
    bool IsReadOnly { get; }

    /// <summary>Reads the server's figures. Throws on failure, like every store call.</summary>
    /// <param name="cancellationToken">Carries the client's timeout.</param>
    ValueTask<CacheStoreServerInfo> GetServerInfoAsync(CancellationToken cancellationToken);
}

/// <summary>Server-side figures of a store; <see langword="null"/> where the server does not report one.</summary>
/// <param name="KeyspaceHits">Successful key lookups since the server started (Redis <c>keyspace_hits</c>).</param>
/// <param name="KeyspaceMisses">Failed key lookups since the server started (Redis <c>keyspace_misses</c>).</param>
/// <param name="UsedMemoryBytes">Memory the server has allocated (Redis <c>used_memory</c>).</param>
/// <param name="ConnectedClients">Client connections, all applications included (Redis <c>connected_clients</c>).</param>
public sealed record CacheStoreServerInfo(long? KeyspaceHits, long? KeyspaceMisses, long? UsedMemoryBytes, long? ConnectedClients);
