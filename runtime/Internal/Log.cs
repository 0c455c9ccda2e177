using Microsoft.Extensions.Logging;

namespace CacheGen.Internal;

/// <summary>Every log line of the runtime, with stable event ids. Keys are logged at Debug only: they may hold user data.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, EventName = "CacheHit", Level = LogLevel.Debug, Message = "Cache hit for '{Key}'")]
    public static partial void Hit(ILogger logger, string key);

    [LoggerMessage(EventId = 2, EventName = "CacheMiss", Level = LogLevel.Debug, Message = "Cache miss for '{Key}'")]
    public static partial void Miss(ILogger logger, string key);

    [LoggerMessage(EventId = 3, EventName = "CacheSet", Level = LogLevel.Debug, Message = "Cached '{Key}' for {TtlMs} ms")]
    public static partial void Set(ILogger logger, string key, long ttlMs);

    [LoggerMessage(EventId = 4, EventName = "WriteRejected", Level = LogLevel.Debug, Message = "Write-back of '{Key}' refused: the entry was invalidated or rewritten while the value was computed")]
    public static partial void WriteRejected(ILogger logger, string key);

    [LoggerMessage(EventId = 5, EventName = "WriteSkippedReadOnly", Level = LogLevel.Debug, Message = "Write-back of '{Key}' skipped: the store is read-only")]
    public static partial void WriteSkippedReadOnly(ILogger logger, string key);

    [LoggerMessage(EventId = 10, EventName = "StoreError", Level = LogLevel.Warning, Message = "Cache store {Operation} failed ({ErrorType}) in namespace '{Namespace}'; the call was served without the cache. Further errors are logged at Debug until the store recovers")]
    public static partial void StoreError(ILogger logger, string operation, string errorType, string @namespace, Exception exception);

    [LoggerMessage(EventId = 11, EventName = "StoreErrorRepeated", Level = LogLevel.Debug, Message = "Cache store {Operation} failed ({ErrorType}) in namespace '{Namespace}'")]
    public static partial void StoreErrorRepeated(ILogger logger, string operation, string errorType, string @namespace, Exception? exception);

    [LoggerMessage(EventId = 12, EventName = "CorruptEntry", Level = LogLevel.Warning, Message = "A cache entry in namespace '{Namespace}' could not be read ({Reason}); it is treated as a miss and will be overwritten")]
    public static partial void CorruptEntry(ILogger logger, string @namespace, string reason);

    [LoggerMessage(EventId = 13, EventName = "CorruptEntryKey", Level = LogLevel.Debug, Message = "Unreadable cache entry '{Key}': {Reason}")]
    public static partial void CorruptEntryKey(ILogger logger, string key, string reason);

    [LoggerMessage(EventId = 14, EventName = "Oversize", Level = LogLevel.Warning, Message = "A value of {Bytes} bytes in namespace '{Namespace}' exceeds MaxPayloadBytes ({Max}); it was returned but not cached")]
    public static partial void Oversize(ILogger logger, string @namespace, int bytes, int max);

    [LoggerMessage(EventId = 15, EventName = "SerializationFailed", Level = LogLevel.Warning, Message = "A value in namespace '{Namespace}' could not be serialized; it was returned but not cached")]
    public static partial void SerializationFailed(ILogger logger, string @namespace, Exception exception);

    [LoggerMessage(EventId = 16, EventName = "SyncReadAbandoned", Level = LogLevel.Warning, Message = "A synchronous cache read did not finish within {BoundMs} ms and was served without the cache; the thread pool looks starved (a local cause: not counted toward the circuit breaker). {Suppressed} more since the last report (thread pool: {Threads} threads, {Pending} queued work items)")]
    public static partial void SyncReadAbandoned(ILogger logger, int boundMs, long suppressed, int threads, long pending);

    [LoggerMessage(EventId = 18, EventName = "JoinAbandoned", Level = LogLevel.Warning, Message = "A computation in namespace '{Namespace}' did not finish within {JoinTimeoutMs} ms; callers that were waiting for it start over without it")]
    public static partial void JoinAbandoned(ILogger logger, string @namespace, int joinTimeoutMs);

    [LoggerMessage(EventId = 20, EventName = "CircuitOpened", Level = LogLevel.Warning, Message = "Cache circuit opened after {Failures} consecutive faults; the store is bypassed and probed in the background, first after {FirstBreakMs} ms")]
    public static partial void CircuitOpened(ILogger logger, int failures, double firstBreakMs);

    [LoggerMessage(EventId = 17, EventName = "AuthenticationFailed", Level = LogLevel.Error, Message = "The cache store refused the credentials ({Operation}): check the Redis user and password. Calls are served without the cache")]
    public static partial void AuthenticationFailed(ILogger logger, string operation, Exception exception);

    [LoggerMessage(EventId = 21, EventName = "CircuitHalfOpen", Level = LogLevel.Debug, Message = "Cache circuit half-open: probing the store")]
    public static partial void CircuitHalfOpen(ILogger logger);

    [LoggerMessage(EventId = 22, EventName = "CircuitClosed", Level = LogLevel.Warning, Message = "Cache circuit closed: the store is back")]
    public static partial void CircuitClosed(ILogger logger);

    [LoggerMessage(EventId = 30, EventName = "InvalidationQueued", Level = LogLevel.Warning, Message = "An invalidation in '{Scope}' failed and was queued for replay ({Pending} pending)")]
    public static partial void InvalidationQueued(ILogger logger, string scope, int pending);

    // event 31 (InvalidationDropped) is retired: a full queue no longer drops anything (InvalidationWidened, 37)

    [LoggerMessage(EventId = 37, EventName = "InvalidationWidened", Level = LogLevel.Error, Message = "The invalidation queue is full ({Max}); an invalidation in '{Scope}' was queued as an invalidation of {Covering}: this process bypasses the store for it until Redis takes it, then every process misses it. Further overflows are logged at Debug until the queue is empty")]
    public static partial void InvalidationWidened(ILogger logger, string scope, int max, string covering);

    [LoggerMessage(EventId = 38, EventName = "StoreServerChanged", Level = LogLevel.Warning, Message = "The cache store may have lost recent writes ({Reason}); replaying {Count} recent invalidations")]
    public static partial void ServerChanged(ILogger logger, string reason, int count);

    [LoggerMessage(EventId = 39, EventName = "InvalidationsNotFlushed", Level = LogLevel.Error, Message = "{Count} queued invalidations could not be sent within {ElapsedMs} ms of disposing the cache client (scopes: {Scopes}); other processes may read those entries stale until their TTL ends")]
    public static partial void InvalidationsNotFlushed(ILogger logger, int count, long elapsedMs, string scopes);

    [LoggerMessage(EventId = 45, EventName = "InvalidationNotFlushedDetail", Level = LogLevel.Debug, Message = "Invalidation not sent before dispose: {Kind} '{Target}'")]
    public static partial void InvalidationNotFlushedDetail(ILogger logger, string kind, string target);

    [LoggerMessage(EventId = 46, EventName = "InvalidationReplicasShort", Level = LogLevel.Debug, Message = "An invalidation in '{Scope}' was acknowledged by {Acknowledged} of {Wanted} replicas within InvalidationReplicaTimeoutMs; it stays in the journal")]
    public static partial void InvalidationReplicasShort(ILogger logger, string scope, long acknowledged, int wanted);

    [LoggerMessage(EventId = 32, EventName = "InvalidationsReplayed", Level = LogLevel.Information, Message = "Replayed {Count} queued invalidations")]
    public static partial void InvalidationsReplayed(ILogger logger, int count);

    [LoggerMessage(EventId = 33, EventName = "PatternInvalidated", Level = LogLevel.Information, Message = "Operator pattern invalidation removed {Count} keys in namespace '{Namespace}' in {ElapsedMs} ms")]
    public static partial void PatternInvalidated(ILogger logger, long count, string @namespace, long elapsedMs);

    [LoggerMessage(EventId = 34, EventName = "PatternInvalidatedDetail", Level = LogLevel.Debug, Message = "Operator pattern invalidation of '{Pattern}' removed {Count} keys")]
    public static partial void PatternInvalidatedDetail(ILogger logger, string pattern, long count);

    [LoggerMessage(EventId = 35, EventName = "CacheCleared", Level = LogLevel.Information, Message = "Operator clear removed {Count} keys under prefix '{Prefix}' in {ElapsedMs} ms")]
    public static partial void CacheCleared(ILogger logger, long count, string prefix, long elapsedMs);

    [LoggerMessage(EventId = 36, EventName = "AdminOperationFailed", Level = LogLevel.Warning, Message = "Operator {Operation} failed ({ErrorType}) after {ElapsedMs} ms; keys deleted before the failure stay deleted")]
    public static partial void AdminOperationFailed(ILogger logger, string operation, string errorType, long elapsedMs, Exception? exception);

    [LoggerMessage(EventId = 40, EventName = "StoreSelected", Level = LogLevel.Information, Message = "CacheGen uses the {Store} store (prefix '{Prefix}')")]
    public static partial void StoreSelected(ILogger logger, string store, string prefix);

    [LoggerMessage(EventId = 41, EventName = "RedisConfigurationInvalid", Level = LogLevel.Error, Message = "The Redis configuration is invalid ({Reason}); caching is off")]
    public static partial void RedisConfigurationInvalid(ILogger logger, string reason);

    [LoggerMessage(EventId = 42, EventName = "StoreReadOnly", Level = LogLevel.Warning, Message = "The cache is read-only ({Reason}): reads are served, write-backs are skipped, and invalidations are queued until a writable primary is reachable")]
    public static partial void StoreReadOnly(ILogger logger, string reason);

    [LoggerMessage(EventId = 43, EventName = "StoreWritable", Level = LogLevel.Information, Message = "The cache store accepts writes again: write-backs resume and queued invalidations are replayed")]
    public static partial void StoreWritable(ILogger logger);

    [LoggerMessage(EventId = 44, EventName = "ServerInfoUnavailable", Level = LogLevel.Debug, Message = "The store's server figures could not be read ({ErrorType}); statistics are returned without them")]
    public static partial void ServerInfoUnavailable(ILogger logger, string errorType, Exception? exception);

    [LoggerMessage(EventId = 47, EventName = "StoreWarmedUp", Level = LogLevel.Debug, Message = "Cache store warmed up in {ElapsedMs} ms (the read and the write-back script ran once)")]
    public static partial void StoreWarmedUp(ILogger logger, long elapsedMs);

    [LoggerMessage(EventId = 48, EventName = "StoreWarmUpFailed", Level = LogLevel.Debug, Message = "Cache store warm-up ended after {ElapsedMs} ms ({ErrorType}); calls use the store anyway")]
    public static partial void StoreWarmUpFailed(ILogger logger, long elapsedMs, string errorType, Exception exception);

    [LoggerMessage(EventId = 49, EventName = "InvalidationWidenedRepeated", Level = LogLevel.Debug, Message = "The invalidation queue is still full; an invalidation in '{Scope}' was queued as an invalidation of {Covering}")]
    public static partial void InvalidationWidenedRepeated(ILogger logger, string scope, string covering);
}
