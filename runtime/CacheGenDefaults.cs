namespace CacheGen;

/// <summary>The defaults of <see cref="CacheGenOptions"/>, in one place so docs and code cannot drift.</summary>
internal static class CacheGenDefaults
{
    public const string SectionName = "CacheGen";
    public const string KeyPrefix = "cache";
    public const int OperationTimeoutMs = 250;
    public const int ConnectTimeoutMs = 1000;
    public const int BreakerFailureThreshold = 5;
    public const int BreakDurationSeconds = 30;
    public const int FirstBreakMs = 250;

    /// <summary>How long a background probe of an open circuit waits for the store's answer.</summary>
    public const int ProbeTimeoutMs = 5000;

    /// <summary>
    /// How long a write-back may take (at least <see cref="OperationTimeoutMs"/>): it runs off the caller's path, which
    /// waits for it only what is left of its own operation timeout.
    /// </summary>
    public const int WriteBackTimeoutMs = 1000;

    /// <summary>The least time between two probes started by restored connections.</summary>
    public const int ProbeSpacingMs = 50;
    public const double TtlJitter = 0;
    public const int MaxPayloadBytes = 1024 * 1024;
    public const int TombstoneTtlSeconds = 3600;
    public const int JoinTimeoutMs = 5000;
    public const int MaxPendingInvalidations = 10_000;
    public const int ReplayIntervalMs = 1000;

    /// <summary>
    /// How many queued invalidations a replay sends at once, once the first (the widest) went through: a failover re-queues
    /// every recent invalidation (hundreds), and reads they cover bypass the store until each is resent.
    /// </summary>
    public const int ReplayConcurrency = 32;
    public const int InvalidationJournalSize = 10_000;
    public const int InvalidationReplicaTimeoutMs = 50;
    public const int DisposeFlushTimeoutMs = 2000;
    public const int AdminTimeoutSeconds = 30;

    /// <summary>How often a store connected to a replica asks again whether it still is one.</summary>
    public const int RoleRecheckSeconds = 5;

    /// <summary>Tag stamps must outlive every entry that carries the tag; entry TTLs are capped to this.</summary>
    public const int MaxTtlSeconds = 31 * 24 * 3600;

    /// <summary>How long a stamp set by an invalidation lives. A missing stamp reads as "invalidated", so this bounds memory, not correctness.</summary>
    public const int InvalidationStampTtlSeconds = 7 * 24 * 3600;

    public const int L1MaxEntries = 10_000;
    public const long L1MaxBytes = 64L * 1024 * 1024;
    public const int L1TtlSeconds = 60;
    public const int L1BackplanePingMs = 1000;
}
