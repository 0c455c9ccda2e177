namespace CacheGen;

/// <summary>
/// Operator commands on the cache: pattern invalidation, clear-all and store-side figures. <see cref="CacheClient"/>
/// implements it and <c>AddCacheGen</c> registers it as the same singleton as <see cref="ICacheClient"/>.
/// </summary>
/// <remarks>
/// <para>These are for management endpoints and runbooks, not for request paths. Application code invalidates with
/// <see cref="ICacheClient.InvalidateKeyAsync"/>, <see cref="ICacheClient.InvalidateNamespaceAsync"/> and
/// <see cref="ICacheClient.InvalidateTagAsync"/>, which cost O(1) store work and never throw for a cache fault.</para>
/// <para>Unlike those, <see cref="InvalidatePatternAsync"/> and <see cref="ClearAsync"/> walk the keyspace
/// (<c>SCAN</c> on every primary, then <c>UNLINK</c> in batches of at most 1000): their cost grows with the number of
/// keys in the database. They are bounded by <see cref="CacheGenOptions.AdminTimeoutSeconds"/>, not by the operation
/// timeout, a timeout does not count toward the circuit breaker, and a failure is thrown as
/// <see cref="CacheAdminException"/> rather than queued: an operator needs to know, and can run the command again.</para>
/// </remarks>
public interface ICacheAdmin
{
    /// <summary>
    /// Deletes the entries of <paramref name="namespace"/> whose key (the part after <c>{prefix}:{namespace}:</c>)
    /// matches <paramref name="pattern"/>. Not O(1): every key of the database is scanned.
    /// </summary>
    /// <param name="namespace">The namespace, as in <c>[Cached("thermal", …)]</c>: letters, digits, <c>_</c>, <c>.</c> and <c>-</c>.</param>
    /// <param name="pattern">
    /// A Redis glob (<c>*</c>, <c>?</c>, <c>[…]</c>, <c>\</c>) over the <em>escaped</em> key text. Put literal values
    /// through <see cref="CacheKeyPattern.Literal"/>: <c>"rack:" + CacheKeyPattern.Literal("al*")</c> deletes the
    /// entry for the value <c>al*</c> and never the one for <c>alice</c>; <c>"rack:*"</c> deletes every rack.
    /// </param>
    /// <param name="cancellationToken">Stops the command between pages of the scan; keys already deleted stay deleted.</param>
    /// <returns>The number of keys deleted (entries and tombstones of invalidated keys).</returns>
    /// <exception cref="ArgumentException"><paramref name="namespace"/> is empty or holds a character outside <c>[A-Za-z0-9_.-]</c>.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="pattern"/> is <see langword="null"/>.</exception>
    /// <exception cref="CacheAdminException">The store failed, timed out, is a read-only replica, or the circuit is open; some keys may have been deleted.</exception>
    ValueTask<long> InvalidatePatternAsync(string @namespace, string pattern, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes every key under this client's prefix (<c>{prefix}:*</c>, or <c>{prefix}:{version}:*</c> when
    /// <see cref="CacheGenOptions.Version"/> is set): entries, tombstones and invalidation stamps. Keys of other
    /// prefixes are untouched, and <c>FLUSHDB</c>/<c>FLUSHALL</c> are never sent. Not O(1): every key is scanned.
    /// </summary>
    /// <param name="cancellationToken">Stops the command between pages of the scan; keys already deleted stay deleted.</param>
    /// <returns>The number of keys deleted.</returns>
    /// <exception cref="CacheAdminException">The store failed, timed out, is a read-only replica, or the circuit is open; some keys may have been deleted.</exception>
    ValueTask<long> ClearAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Returns <see cref="ICacheClient.GetStatistics"/> plus the store's own figures (Redis keyspace hits and misses,
    /// used memory, connected clients) when the store offers them (<see cref="ICacheStoreInfo"/>). Never throws for a
    /// cache fault: figures the store cannot give now are <see langword="null"/>.
    /// </summary>
    /// <param name="cancellationToken">The caller's token.</param>
    ValueTask<CacheStatistics> GetStatisticsAsync(CancellationToken cancellationToken = default);
}
