using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace CacheGen.HitPath;

/// <summary>
/// Samples allocations by type in this process (the runtime's <c>GCAllocationTick</c> event, one per ~100 KB allocated):
/// over many hits, each type's share of the samples is its share of the bytes. <c>--counts</c> prints the top types when
/// <c>HITPATH_ALLOC_TYPES=1</c>.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private readonly ConcurrentDictionary<string, long> _samples = new();
    private volatile bool _on;

    public void Start()
    {
        _samples.Clear();
        _on = true;
    }

    public IEnumerable<(string Type, double Share)> Stop(int top)
    {
        _on = false;
        double total = Math.Max(1, _samples.Values.Sum());
        return _samples.OrderByDescending(p => p.Value).Take(top).Select(p => (p.Key, p.Value / total));
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (_on && eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) == true
            && eventData.PayloadNames?.IndexOf("TypeName") is int i and >= 0)
        {
            _samples.AddOrUpdate(eventData.Payload![i] as string ?? "?", 1, static (_, n) => n + 1);
        }
    }
}
