using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace CacheGen.Runtime.Tests.Infrastructure;

/// <summary>
/// An <see cref="IMeterFactory"/> whose meters carry it as their scope, so a <see cref="MetricCollector"/> sees one
/// client's measurements even while other tests run in parallel.
/// </summary>
public sealed class TestMeterFactory : IMeterFactory
{
    private readonly ConcurrentBag<Meter> _meters = [];

    /// <inheritdoc/>
    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(new MeterOptions(options.Name) { Version = options.Version, Tags = options.Tags, Scope = this });
        _meters.Add(meter);
        return meter;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var meter in _meters)
        {
            meter.Dispose();
        }
    }
}
