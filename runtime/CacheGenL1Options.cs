using System.ComponentModel.DataAnnotations;

namespace CacheGen;

/// <summary>
/// The in-process level (L1), under <c>CacheGen:L1</c>: recent values kept in the process in front of the store. A
/// value type the generator proved deeply immutable is kept as the instance (every hit returns it); any other type
/// as its serialized bytes (every hit deserializes its own copy). In front of Redis it serves hits only while the
/// Redis pub/sub backplane is subscribed and in sync, so every process drops its copy when any process invalidates.
/// </summary>
public sealed class CacheGenL1Options
{
    /// <summary>Gets or sets whether the in-process level is on. <value>Default: <see langword="true"/>.</value></summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the most entries kept; past it the least recently used go first. <value>Default: 10000.</value></summary>
    [Range(1, 100_000_000)]
    public int MaxEntries { get; set; } = CacheGenDefaults.L1MaxEntries;

    /// <summary>
    /// Gets or sets the most bytes kept, counted as each value's serialized size plus its key (an instance is counted
    /// at its serialized size). <value>Default: 64 MiB.</value>
    /// </summary>
    [Range(1024, long.MaxValue)]
    public long MaxBytes { get; set; } = CacheGenDefaults.L1MaxBytes;

    /// <summary>
    /// Gets or sets how long an entry stays in the process, in seconds; never longer than the entry's own TTL. This
    /// is also how long a value may be served while the store is unreachable (see <see cref="ServeWhileStoreDown"/>).
    /// <value>Default: 60.</value>
    /// </summary>
    [Range(1, CacheGenDefaults.MaxTtlSeconds)]
    public int TtlSeconds { get; set; } = CacheGenDefaults.L1TtlSeconds;

    /// <summary>
    /// Gets or sets whether entries already in the process keep being served (until their L1 TTL) while the circuit
    /// to Redis is open. Off, an outage bypasses L1 like a lost subscription does. The trade-off: a process cut off from
    /// Redis while others still reach it cannot hear their invalidations, so it may serve a value up to
    /// <see cref="TtlSeconds"/> old. <value>Default: <see langword="true"/>.</value>
    /// </summary>
    public bool ServeWhileStoreDown { get; set; } = true;

    /// <summary>
    /// Gets or sets how often each process sends itself a ping through the backplane, in milliseconds. L1 is served
    /// only while the last ping came back within three intervals, so a subscription that dies silently stops L1 within
    /// that time. <value>Default: 1000.</value>
    /// </summary>
    [Range(50, 60_000)]
    public int BackplanePingMs { get; set; } = CacheGenDefaults.L1BackplanePingMs;
}
