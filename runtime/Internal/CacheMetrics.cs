using System.Diagnostics.Metrics;

namespace CacheGen.Internal;

/// <summary>The instruments of one client. Tags stay low-cardinality: never a key.</summary>
internal sealed class CacheMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _errors;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _transitions;
    private readonly Counter<long> _keysRemoved;

    public CacheMetrics(IMeterFactory? meterFactory, Func<int> pendingInvalidations, Func<bool> readOnly)
    {
        _meter = meterFactory?.Create(CacheGenDiagnostics.MeterName) ?? new Meter(CacheGenDiagnostics.MeterName);
        _requests = _meter.CreateCounter<long>(CacheGenDiagnostics.RequestsInstrument, "{request}", "Cache reads by result (hit, miss, error) and namespace.");
        _errors = _meter.CreateCounter<long>(CacheGenDiagnostics.ErrorsInstrument, "{error}", "Cache store errors by kind, operation and namespace.");
        _duration = _meter.CreateHistogram<double>(CacheGenDiagnostics.DurationInstrument, "s", "Duration of cache store operations.");
        _transitions = _meter.CreateCounter<long>(CacheGenDiagnostics.BreakerTransitionsInstrument, "{transition}", "Circuit breaker state changes by new state.");
        _meter.CreateObservableUpDownCounter(CacheGenDiagnostics.PendingInvalidationsInstrument, () => (long)pendingInvalidations(), "{invalidation}", "Failed invalidations waiting for replay.");
        _keysRemoved = _meter.CreateCounter<long>(CacheGenDiagnostics.KeysRemovedInstrument, "{key}", "Keys deleted by operator commands (pattern invalidation, clear), by operation.");
        _meter.CreateObservableGauge(CacheGenDiagnostics.ReadOnlyInstrument, () => readOnly() ? 1L : 0L, "{state}", "1 while write-backs are skipped (read-only option or a replica), else 0.");
    }

    public Meter Meter => _meter;

    public void Request(RequestResult result, string @namespace)
    {
        // every hit counts here: with no listener, not even the tags are made
        if (_requests.Enabled)
        {
            _requests.Add(1, new(CacheGenDiagnostics.ResultTag, result.Tag()), new(CacheGenDiagnostics.NamespaceTag, @namespace));
        }
    }

    public void Error(StoreErrorType errorType, StoreOperation operation, string @namespace) =>
        _errors.Add(1, new(CacheGenDiagnostics.ErrorTypeTag, errorType.Tag()), new(CacheGenDiagnostics.OperationTag, operation.Tag()), new(CacheGenDiagnostics.NamespaceTag, @namespace));

    public void Duration(double seconds, StoreOperation operation) =>
        _duration.Record(seconds, new KeyValuePair<string, object?>(CacheGenDiagnostics.OperationTag, operation.Tag()));

    public void KeysRemoved(long count, StoreOperation operation) =>
        _keysRemoved.Add(count, new KeyValuePair<string, object?>(CacheGenDiagnostics.OperationTag, operation.Tag()));

    public void Transition(CircuitState state) =>
        _transitions.Add(1, new KeyValuePair<string, object?>(CacheGenDiagnostics.StateTag, state switch
        {
            CircuitState.Open => "open",
            CircuitState.HalfOpen => "half_open",
            _ => "closed",
        }));

    public void Dispose() => _meter.Dispose();
}
