using System.ComponentModel.DataAnnotations;

namespace CacheGen;

/// <summary>Invalidations that survive failover, restore and shutdown (issue 9 step 3; docs/design.md S20, S25, S27).</summary>
public sealed partial class CacheGenOptions
{
    /// <summary>
    /// Gets or sets how many recent invalidations each process keeps to send again when Redis may have lost them: a
    /// server that restarted from an older snapshot (a new run id), a promoted replica or a demoted primary. Each is kept
    /// for the longest TTL of the entries it covers (from <see cref="CacheCatalog"/>, the namespace overrides and the TTLs
    /// seen), then forgotten. When a still-relevant one must make room, its namespace (or, for a tag, the whole prefix)
    /// is invalidated on the next replay instead, so nothing is lost, only more is missed. Memory: about
    /// <c>size × (2 × key length + 150)</c> bytes. <c>0</c> turns the journal off (acknowledged invalidations lost by
    /// the server are then lost for good). <value>Default: 10000.</value>
    /// </summary>
    [Range(0, 1_000_000)]
    public int InvalidationJournalSize { get; set; } = CacheGenDefaults.InvalidationJournalSize;

    /// <summary>
    /// Gets or sets how many replicas must acknowledge each invalidation (Redis <c>WAIT</c>) before it returns, so a
    /// failover right after it cannot lose it. <c>0</c> (the default) does not wait: the journal replays recent
    /// invalidations after a failover instead. <c>WAIT</c> blocks the shared connection until the replicas answer or
    /// <see cref="InvalidationReplicaTimeoutMs"/> passes, so every command behind it waits too (see docs/design.md for
    /// the measured cost). Fewer acknowledgements than asked are logged at Debug; the invalidation stays in the journal.
    /// <value>Default: 0.</value>
    /// </summary>
    [Range(0, 100)]
    public int InvalidationReplicas { get; set; }

    /// <summary>
    /// Gets or sets the longest wait for <see cref="InvalidationReplicas"/> acknowledgements, in milliseconds. Keep it
    /// below <see cref="OperationTimeoutMs"/>. <value>Default: 50.</value>
    /// </summary>
    [Range(1, 60_000)]
    public int InvalidationReplicaTimeoutMs { get; set; } = CacheGenDefaults.InvalidationReplicaTimeoutMs;

    /// <summary>
    /// Gets or sets how long <see cref="CacheClient.Dispose"/> may spend sending invalidations that are still queued,
    /// in milliseconds. What cannot be sent in that time is logged as an Error (scopes at Error, keys at Debug).
    /// <value>Default: 2000.</value>
    /// </summary>
    [Range(0, 60_000)]
    public int DisposeFlushTimeoutMs { get; set; } = CacheGenDefaults.DisposeFlushTimeoutMs;
}
