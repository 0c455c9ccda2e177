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
    public const double TtlJitter = 0;
    public const int MaxPayloadBytes = 1024 * 1024;
    public const int TombstoneTtlSeconds = 3600;
    public const int MaxPendingInvalidations = 10_000;
    public const int ReplayIntervalMs = 1000;
    public const int AdminTimeoutSeconds = 30;

    /// <summary>How often a store connected to a replica asks again whether it still is one.</summary>
    public const int RoleRecheckSeconds = 5;

    /// <summary>Tag stamps must outlive every entry that carries the tag; entry TTLs are capped to this.</summary>
    public const int MaxTtlSeconds = 31 * 24 * 3600;
}
