namespace CacheGen.Runtime.Tests.Infrastructure;

/// <summary>One captured measurement.</summary>
public sealed record MetricMeasurement(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags)
{
    /// <summary>Gets a tag's value as a string, or null.</summary>
    public string? Tag(string name) => Tags.TryGetValue(name, out var v) ? v?.ToString() : null;
}
