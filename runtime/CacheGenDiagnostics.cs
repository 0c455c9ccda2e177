namespace CacheGen;

/// <summary>Names of CacheGen's telemetry, for dashboards and <c>MeterListener</c>s.</summary>
public static class CacheGenDiagnostics
{
    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> name.</summary>
    public const string MeterName = "CacheGen";

    /// <summary>
    /// The <see cref="System.Diagnostics.ActivitySource"/> name: one span per cached call that read the store
    /// (<c>AddSource(CacheGenDiagnostics.ActivitySourceName)</c> in OpenTelemetry).
    /// </summary>
    public const string ActivitySourceName = "CacheGen";

    /// <summary>The operation name of a cached call's span; its display name is <c>get_or_set {namespace}</c>.</summary>
    public const string GetOrSetActivityName = "cachegen.get_or_set";

    /// <summary>Counter of cache reads, tagged with <see cref="ResultTag"/> and <see cref="NamespaceTag"/>.</summary>
    public const string RequestsInstrument = "cachegen.cache.requests";

    /// <summary>Counter of store errors, tagged with <see cref="ErrorTypeTag"/>, <see cref="OperationTag"/> and <see cref="NamespaceTag"/>.</summary>
    public const string ErrorsInstrument = "cachegen.cache.errors";

    /// <summary>Histogram of store operation durations in seconds, tagged with <see cref="OperationTag"/>.</summary>
    public const string DurationInstrument = "cachegen.cache.operation.duration";

    /// <summary>Counter of circuit breaker transitions, tagged with <see cref="StateTag"/>.</summary>
    public const string BreakerTransitionsInstrument = "cachegen.circuit_breaker.transitions";

    /// <summary>Gauge of failed invalidations waiting for replay.</summary>
    public const string PendingInvalidationsInstrument = "cachegen.cache.invalidations.pending";

    /// <summary>Counter of keys deleted by operator commands, tagged with <see cref="OperationTag"/> (<c>invalidate_pattern</c> or <c>clear</c>).</summary>
    public const string KeysRemovedInstrument = "cachegen.cache.keys.removed";

    /// <summary>Gauge: 1 while write-backs are skipped because the cache is read-only (the option, or a replica), else 0.</summary>
    public const string ReadOnlyInstrument = "cachegen.cache.read_only";

    /// <summary>Tag holding <c>hit</c>, <c>miss</c> or <c>error</c>.</summary>
    public const string ResultTag = "cachegen.cache.request.result";

    /// <summary>Tag holding the cache namespace (never the key).</summary>
    public const string NamespaceTag = "cachegen.cache.namespace";

    /// <summary>Span attribute holding the full key, only when <see cref="CacheGenOptions.IncludeKeysInTraces"/> is set (keys may hold user data).</summary>
    public const string KeyTag = "cachegen.cache.key";

    /// <summary>Span attribute holding the store's name: <c>redis</c> or <c>memory</c>.</summary>
    public const string StoreTag = "cachegen.cache.store";

    /// <summary>Tag holding the operation: <c>read</c>, <c>write</c>, <c>invalidate</c>, or the operator commands <c>invalidate_pattern</c> and <c>clear</c>.</summary>
    public const string OperationTag = "cachegen.cache.operation";

    /// <summary>Tag holding the error kind: <c>timeout</c>, <c>connection</c>, <c>server_error</c>, <c>circuit_open</c>, <c>deserialization</c>, <c>serialization</c>, <c>oversize</c>, <c>write_rejected</c>, <c>queue_full</c> (an invalidation widened because the replay queue was full), and for operator commands <c>read_only</c> and <c>unavailable</c>.</summary>
    public const string ErrorTypeTag = "error.type";

    /// <summary>Tag holding the breaker's new state: <c>open</c>, <c>half_open</c>, <c>closed</c>.</summary>
    public const string StateTag = "cachegen.circuit_breaker.state";
}
