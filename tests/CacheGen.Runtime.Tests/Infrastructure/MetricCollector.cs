using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace CacheGen.Runtime.Tests.Infrastructure;

/// <summary>A <see cref="MeterListener"/> that records every measurement of the <c>CacheGen</c> meter created by one factory.</summary>
public sealed class MetricCollector : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<MetricMeasurement> _measurements = new();
    private readonly ConcurrentDictionary<string, Instrument> _instruments = new();

    /// <summary>Starts listening to the meters that <paramref name="factory"/> creates.</summary>
    public MetricCollector(TestMeterFactory factory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == CacheGenDiagnostics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                _instruments[instrument.Name] = instrument;
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    /// <summary>Gets every measurement, oldest first.</summary>
    public IReadOnlyList<MetricMeasurement> Measurements => [.. _measurements];

    /// <summary>Gets the instruments seen, by name.</summary>
    public IReadOnlyDictionary<string, Instrument> Instruments => _instruments;

    /// <summary>Gets the measurements of <paramref name="instrument"/> whose tags include every pair in <paramref name="tags"/>.</summary>
    public IReadOnlyList<MetricMeasurement> Get(string instrument, params (string Name, string Value)[] tags) =>
        [.. _measurements.Where(m => m.Instrument == instrument && tags.All(t => m.Tag(t.Name) == t.Value))];

    /// <summary>Gets the sum of <paramref name="instrument"/>'s measurements whose tags include every pair in <paramref name="tags"/>.</summary>
    public double Sum(string instrument, params (string Name, string Value)[] tags) => Get(instrument, tags).Sum(m => m.Value);

    /// <summary>Polls the observable instruments now.</summary>
    public void RecordObservableInstruments() => _listener.RecordObservableInstruments();

    /// <inheritdoc/>
    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>(tags.Length);
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        _measurements.Enqueue(new MetricMeasurement(instrument.Name, value, copy));
    }
}
