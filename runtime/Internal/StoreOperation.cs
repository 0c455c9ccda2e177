namespace CacheGen.Internal;

/// <summary>The store operations the client meters and logs (the <c>operation</c> tag).</summary>
internal static class StoreOperation
{
    public const string Read = "read";
    public const string Write = "write";
    public const string EnsureStamp = "ensure_stamp";
    public const string Invalidate = "invalidate";
    public const string Probe = "probe";
    public const string Replay = "replay";
    public const string InvalidatePattern = "invalidate_pattern";
    public const string Clear = "clear";

    /// <summary>Waiting for another caller's computation of the same key (single-flight); not a store command.</summary>
    public const string Join = "join";

    /// <summary>Writing a reservation on a miss of an absent key, which the write-back then requires.</summary>
    public const string Reserve = "reserve";
}

/// <summary>The kinds of store error (the <c>error.type</c> tag).</summary>
internal static class StoreErrorType
{
    public const string Timeout = "timeout";
    public const string Connection = "connection";
    public const string Connecting = "connecting";
    public const string Authentication = "authentication";
    public const string Loading = "loading";
    public const string Busy = "busy";
    public const string ServerError = "server_error";
    public const string WriteRejected = "write_rejected";
    public const string CircuitOpen = "circuit_open";
    public const string Local = "local";
    public const string Store = "store";
    public const string Serialization = "serialization";
    public const string Deserialization = "deserialization";
    public const string Oversize = "oversize";

    /// <summary>A caller gave up waiting for another caller's computation (<see cref="CacheGenOptions.JoinTimeoutMs"/>).</summary>
    public const string JoinTimeout = "join_timeout";

    /// <summary>A synchronous caller stopped waiting for a read the starved thread pool could not finish: a local cause, not a store fault.</summary>
    public const string SyncWait = "sync_wait";

    /// <summary>A read found a stamp missing (evicted, expired, flushed): a miss, and the stamp was recreated.</summary>
    public const string StampMissing = "stamp_missing";
}
