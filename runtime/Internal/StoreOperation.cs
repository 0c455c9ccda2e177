namespace CacheGen.Internal;

/// <summary>The store operations the client meters and logs; <see cref="StoreNames.Tag(StoreOperation)"/> is the <c>operation</c> tag.</summary>
internal enum StoreOperation
{
    Read,
    Write,
    EnsureStamp,
    Invalidate,
    Probe,
    Replay,
    InvalidatePattern,
    Clear,

    /// <summary>Waiting for another caller's computation of the same key (single-flight); not a store command.</summary>
    Join,

    /// <summary>Writing a reservation on a miss of an absent key, which the write-back then requires.</summary>
    Reserve,
}

/// <summary>The kinds of store error; <see cref="StoreNames.Tag(StoreErrorType)"/> is the <c>error.type</c> tag.</summary>
internal enum StoreErrorType
{
    Timeout,
    Connection,
    Connecting,
    Authentication,
    Loading,
    Busy,
    ServerError,
    WriteRejected,
    CircuitOpen,
    Local,
    Store,
    Serialization,
    Deserialization,
    Oversize,

    /// <summary>A caller gave up waiting for another caller's computation (<see cref="CacheGenOptions.JoinTimeoutMs"/>).</summary>
    JoinTimeout,

    /// <summary>A synchronous caller stopped waiting for a read the starved thread pool could not finish: a local cause, not a store fault.</summary>
    SyncWait,

    /// <summary>A read found a stamp missing (evicted, expired, flushed): a miss, and the stamp was recreated.</summary>
    StampMissing,

    /// <summary>An operator command on a client whose store is unavailable for good (an invalid configuration).</summary>
    Unavailable,

    /// <summary>An operator delete refused because the store is a read-only replica.</summary>
    ReadOnly,
}

/// <summary>The result of a cache read (the <c>result</c> tag of the requests counter).</summary>
internal enum RequestResult
{
    Hit,
    Miss,
    Error,
}

/// <summary>
/// The tag values written to the instruments and logs. They are documented (README, docs/metrics) and dashboards
/// query them: never change one.
/// </summary>
internal static class StoreNames
{
    public static string Tag(this StoreOperation operation) => operation switch
    {
        StoreOperation.Read => "read",
        StoreOperation.Write => "write",
        StoreOperation.EnsureStamp => "ensure_stamp",
        StoreOperation.Invalidate => "invalidate",
        StoreOperation.Probe => "probe",
        StoreOperation.Replay => "replay",
        StoreOperation.InvalidatePattern => "invalidate_pattern",
        StoreOperation.Clear => "clear",
        StoreOperation.Join => "join",
        StoreOperation.Reserve => "reserve",
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, null),
    };

    public static string Tag(this StoreErrorType errorType) => errorType switch
    {
        StoreErrorType.Timeout => "timeout",
        StoreErrorType.Connection => "connection",
        StoreErrorType.Connecting => "connecting",
        StoreErrorType.Authentication => "authentication",
        StoreErrorType.Loading => "loading",
        StoreErrorType.Busy => "busy",
        StoreErrorType.ServerError => "server_error",
        StoreErrorType.WriteRejected => "write_rejected",
        StoreErrorType.CircuitOpen => "circuit_open",
        StoreErrorType.Local => "local",
        StoreErrorType.Store => "store",
        StoreErrorType.Serialization => "serialization",
        StoreErrorType.Deserialization => "deserialization",
        StoreErrorType.Oversize => "oversize",
        StoreErrorType.JoinTimeout => "join_timeout",
        StoreErrorType.SyncWait => "sync_wait",
        StoreErrorType.StampMissing => "stamp_missing",
        StoreErrorType.Unavailable => "unavailable",
        StoreErrorType.ReadOnly => "read_only",
        _ => throw new ArgumentOutOfRangeException(nameof(errorType), errorType, null),
    };

    public static string Tag(this RequestResult result) => result switch
    {
        RequestResult.Hit => "hit",
        RequestResult.Miss => "miss",
        RequestResult.Error => "error",
        _ => throw new ArgumentOutOfRangeException(nameof(result), result, null),
    };
}
