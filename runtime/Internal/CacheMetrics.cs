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

    public CacheMetrics(IMeterFactory? meterFactory, Func<int> pendingInvalidations)
    {
        _meter = meterFactory?.Create(CacheGenDiagnostics.MeterName) ?? new Meter(CacheGenDiagnostics.MeterName);
        _requests = _meter.CreateCounter<long>(CacheGenDiagnostics.RequestsInstrument, "{request}", "Cache reads by result (hit, miss, error) and namespace.");
        _errors = _meter.CreateCounter<long>(CacheGenDiagnostics.ErrorsInstrument, "{error}", "Cache store errors by kind, operation and namespace.");
        _duration = _meter.CreateHistogram<double>(CacheGenDiagnostics.DurationInstrument, "s", "Duration of cache store operations.");
        _transitions = _meter.CreateCounter<long>(CacheGenDiagnostics.BreakerTransitionsInstrument, "{transition}", "Circuit breaker state changes by new state.");
        _meter.CreateObservableUpDownCounter(CacheGenDiagnostics.PendingInvalidationsInstrument, () => (long)pendingInvalidations(), "{invalidation}", "Failed invalidations waiting for replay.");
    }

    public Meter Meter => _meter;

    public void Request(string result, string @namespace) =>
        _requests.Add(1, new(CacheGenDiagnostics.ResultTag, result), new(CacheGenDiagnostics.NamespaceTag, @namespace));

    public void Error(string errorType, string operation, string @namespace) =>
        _errors.Add(1, new(CacheGenDiagnostics.ErrorTypeTag, errorType), new(CacheGenDiagnostics.OperationTag, operation), new(CacheGenDiagnostics.NamespaceTag, @namespace));

    public void Duration(double seconds, string operation) =>
        _duration.Record(seconds, new KeyValuePair<string, object?>(CacheGenDiagnostics.OperationTag, operation));

    public void Transition(CircuitState state) =>
        _transitions.Add(1, new KeyValuePair<string, object?>(CacheGenDiagnostics.StateTag, state switch
        {
            CircuitState.Open => "open",
            CircuitState.HalfOpen => "half_open",
            _ => "closed",
        }));

    public void Dispose() => _meter.Dispose();
}
