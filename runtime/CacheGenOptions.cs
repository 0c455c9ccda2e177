using System.ComponentModel.DataAnnotations;

namespace CacheGen;

/// <summary>
/// Options of CacheGen, bound from the <c>CacheGen</c> configuration section (environment: <c>CacheGen__Redis</c>, …).
/// </summary>
public sealed partial class CacheGenOptions
{
    /// <summary>Gets or sets whether caching is on. When off, every call runs the implementation. <value>Default: <see langword="true"/>.</value></summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Gets or sets the Redis connection: a StackExchange.Redis connection string (<c>localhost:6379,password=…</c>)
    /// or a URL (<c>redis://:password@host:6379/2</c>, <c>rediss://</c> for TLS).
    /// <value>Default: <see langword="null"/>: the in-memory store is used.</value>
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>Gets or sets the first segment of every key. <value>Default: <c>cache</c>.</value></summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9_.-]+$", ErrorMessage = "KeyPrefix may hold only letters, digits, '_', '.' and '-'.")]
    public string KeyPrefix { get; set; } = CacheGenDefaults.KeyPrefix;

    /// <summary>Gets or sets a global version written after the prefix; change it to retire every entry at once. <value>Default: <see langword="null"/>.</value></summary>
    [RegularExpression("^[A-Za-z0-9_.-]+$", ErrorMessage = "Version may hold only letters, digits, '_', '.' and '-'.")]
    public string? Version { get; set; }

    /// <summary>
    /// Gets or sets a PEM file holding the one CA that the Redis server's TLS certificate must chain to (for a
    /// private CA, e.g. <c>rediss://</c> to a self-managed Redis). When set, the system trust store is not
    /// consulted and a host name mismatch is always refused; an unreadable file turns the cache off
    /// (health Unhealthy), never TLS verification. <value>Default: <see langword="null"/>: the system trust store.</value>
    /// </summary>
    public string? TlsCaCertificatePath { get; set; }

    /// <summary>Gets or sets the timeout of one store operation, in milliseconds; past it the call reads as a miss. <value>Default: 250.</value></summary>
    [Range(1, 60_000)]
    public int OperationTimeoutMs { get; set; } = CacheGenDefaults.OperationTimeoutMs;

    /// <summary>Gets or sets the Redis connect timeout in milliseconds, unless the connection string sets <c>connectTimeout</c>. <value>Default: 1000.</value></summary>
    [Range(1, 60_000)]
    public int ConnectTimeoutMs { get; set; } = CacheGenDefaults.ConnectTimeoutMs;

    /// <summary>Gets or sets how many consecutive store failures open the circuit. <value>Default: 5.</value></summary>
    [Range(1, 1000)]
    public int BreakerFailureThreshold { get; set; } = CacheGenDefaults.BreakerFailureThreshold;

    /// <summary>
    /// Gets or sets the longest break between two background probes of an open circuit, in seconds. The first break is
    /// <see cref="FirstBreakMs"/>; each failed probe doubles it up to this. A restored connection is probed at once, and a
    /// server that answers <c>LOADING</c> or <c>BUSY</c> is probed again after twice the first break, so recovery takes
    /// about a second whatever this is. <value>Default: 30.</value>
    /// </summary>
    [Range(1, 3600)]
    public int BreakDurationSeconds { get; set; } = CacheGenDefaults.BreakDurationSeconds;

    /// <summary>Gets or sets the break before the first background probe of an open circuit, in milliseconds. <value>Default: 250.</value></summary>
    [Range(10, 60_000)]
    public int FirstBreakMs { get; set; } = CacheGenDefaults.FirstBreakMs;

    /// <summary>Gets or sets the TTL jitter as a fraction: each entry lives TTL × (1 + random[0, jitter]). <value>Default: 0.</value></summary>
    [Range(0d, 1d)]
    public double TtlJitter { get; set; } = CacheGenDefaults.TtlJitter;

    /// <summary>Gets or sets the largest serialized value stored; larger values are returned but not cached (counted as <c>oversize</c>). <value>Default: 1 MiB.</value></summary>
    [Range(1, 512 * 1024 * 1024)]
    public int MaxPayloadBytes { get; set; } = CacheGenDefaults.MaxPayloadBytes;

    /// <summary>
    /// Gets or sets how long a caller waits for another caller's computation of the same key (single-flight), in
    /// milliseconds. Past it the caller gives up on that computation (one Warning per computation, counted as
    /// <c>error.type=join_timeout</c>) and starts over as a new caller: it reads the store and, on a miss, runs
    /// <c>Core</c> itself, shared only with the callers that gave up at the same time. Later callers no longer queue
    /// behind the computation that hangs. The caller that runs a computation waits for its own <c>Core</c> without this
    /// bound. <value>Default: 5000.</value>
    /// </summary>
    [Range(1, 24 * 3600 * 1000)]
    public int JoinTimeoutMs { get; set; } = CacheGenDefaults.JoinTimeoutMs;

    /// <summary>
    /// Gets or sets how long an invalidated key keeps a tombstone, in seconds. A write-back whose read happened
    /// before the invalidation is refused while the tombstone lives, and the client drops write-backs older than half of it.
    /// <value>Default: 3600.</value>
    /// </summary>
    [Range(1, 7 * 24 * 3600)]
    public int TombstoneTtlSeconds { get; set; } = CacheGenDefaults.TombstoneTtlSeconds;

    /// <summary>
    /// Gets or sets whether the cache only reads: write-backs are skipped (one warning, no error, the circuit is not
    /// affected) while reads are served. Invalidations are still sent, and queued for replay if they fail. A Redis
    /// replica is detected by itself (<c>INFO replication</c>) with the same effect, and its invalidations are queued
    /// until a writable primary is reachable. <value>Default: <see langword="false"/>.</value>
    /// </summary>
    public bool ReadOnly { get; set; }

    /// <summary>
    /// Gets or sets the timeout of an operator command (<see cref="ICacheAdmin.InvalidatePatternAsync"/>,
    /// <see cref="ICacheAdmin.ClearAsync"/>), in seconds. These scan the keyspace, so they get their own bound
    /// instead of <see cref="OperationTimeoutMs"/>, and a timeout does not count toward the circuit breaker.
    /// <value>Default: 30.</value>
    /// </summary>
    [Range(1, 24 * 3600)]
    public int AdminTimeoutSeconds { get; set; } = CacheGenDefaults.AdminTimeoutSeconds;

    /// <summary>Gets or sets how many failed invalidations are kept for replay. <value>Default: 10000.</value></summary>
    [Range(1, 10_000_000)]
    public int MaxPendingInvalidations { get; set; } = CacheGenDefaults.MaxPendingInvalidations;

    /// <summary>
    /// Gets or sets whether the spans of <see cref="CacheGenDiagnostics.ActivitySourceName"/> carry the full key
    /// (<see cref="CacheGenDiagnostics.KeyTag"/>). Keys are built from arguments and may hold user data, so they are
    /// left out unless you turn this on. <value>Default: <see langword="false"/>.</value>
    /// </summary>
    public bool IncludeKeysInTraces { get; set; }

    /// <summary>Gets per-namespace overrides, keyed by namespace.</summary>
    public Dictionary<string, CacheNamespaceOptions> Namespaces { get; } = new(StringComparer.Ordinal);
}
