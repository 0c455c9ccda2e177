namespace CacheGen;

/// <summary>The state of the cache circuit breaker.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<CircuitState>))]
public enum CircuitState
{
    /// <summary>Store calls flow.</summary>
    Closed,

    /// <summary>Store calls are skipped and read as misses until the break ends.</summary>
    Open,

    /// <summary>One probe call is testing the store.</summary>
    HalfOpen,
}

/// <summary>A snapshot of a cache client's counters, for a stats endpoint.</summary>
/// <param name="Hits">Reads served from the store.</param>
/// <param name="Misses">Reads that ran the implementation (including those caused by errors).</param>
/// <param name="Errors">Store operations that failed, timed out or were skipped by the open circuit.</param>
/// <param name="CircuitState">The breaker's state now.</param>
/// <param name="PendingInvalidations">Failed invalidations waiting for replay.</param>
/// <param name="Store">The store's name: <c>redis</c> or <c>memory</c>.</param>
/// <remarks>
/// The <c>Redis*</c> figures are filled only by <see cref="ICacheAdmin.GetStatisticsAsync"/>, from the server's
/// <c>INFO</c>, and only when the store offers them (<see cref="ICacheStoreInfo"/>); they are server-wide (every
/// application on that Redis counts) and cumulative since the server started. <see cref="ICacheClient.GetStatistics"/>
/// leaves them <see langword="null"/>.
/// </remarks>
public sealed record CacheStatistics(long Hits, long Misses, long Errors, CircuitState CircuitState, int PendingInvalidations, string Store)
{
    /// <summary>Gets hits ÷ (hits + misses), or 0 before the first read.</summary>
    public double HitRate => Hits + Misses == 0 ? 0 : (double)Hits / (Hits + Misses);

    /// <summary>Gets whether write-backs are skipped now: <see cref="CacheGenOptions.ReadOnly"/>, or the store is a replica.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>Gets the server's successful key lookups (Redis <c>keyspace_hits</c>), or <see langword="null"/>.</summary>
    public long? RedisKeyspaceHits { get; init; }

    /// <summary>Gets the server's failed key lookups (Redis <c>keyspace_misses</c>), or <see langword="null"/>.</summary>
    public long? RedisKeyspaceMisses { get; init; }

    /// <summary>Gets the memory the server has allocated, in bytes (Redis <c>used_memory</c>), or <see langword="null"/>.</summary>
    public long? RedisUsedMemoryBytes { get; init; }

    /// <summary>Gets the server's client connections (Redis <c>connected_clients</c>), or <see langword="null"/>.</summary>
    public long? RedisConnectedClients { get; init; }

    /// <summary>
    /// Gets the live entries the in-process level (L1) holds when it is the embedded store (no Redis configured, the
    /// in-memory store <c>AddCacheGen</c> made): the values of every namespace with L1 on. Filled by
    /// <see cref="ICacheAdmin.GetStatisticsAsync"/>; <see langword="null"/> otherwise (L1 in front of a store holds copies).
    /// </summary>
    public int? L1Entries { get; init; }

    /// <summary>Gets the bytes counted for <see cref="L1Entries"/> (serialized size, key and per-entry overhead, as <c>L1:MaxBytes</c> counts them), or <see langword="null"/>.</summary>
    public long? L1Bytes { get; init; }
}
