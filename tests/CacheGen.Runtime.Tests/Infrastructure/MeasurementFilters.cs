namespace CacheGen.Runtime.Tests.Infrastructure;

/// <summary>
/// Tag filters over <see cref="MetricCollector{T}"/> (Microsoft.Extensions.Diagnostics.Testing) in the tests' tuple
/// form: <c>h.Errors.Sum((CacheGenDiagnostics.ErrorTypeTag, "timeout"))</c>. Thin wrappers of the package's
/// <c>ContainsTags</c> and <c>EvaluateAsCounter</c>.
/// </summary>
internal static class MeasurementFilters
{
    /// <summary>Gets the measurements so far whose tags include every pair in <paramref name="tags"/>, oldest first.</summary>
    public static IReadOnlyList<CollectedMeasurement<T>> Get<T>(this MetricCollector<T> collector, params (string Name, string Value)[] tags)
        where T : struct =>
        [.. collector.GetMeasurementSnapshot().ContainsTags([.. tags.Select(t => new KeyValuePair<string, object?>(t.Name, t.Value))])];

    /// <summary>Gets the sum of the measurements whose tags include every pair in <paramref name="tags"/>.</summary>
    public static T Sum<T>(this MetricCollector<T> collector, params (string Name, string Value)[] tags)
        where T : struct => collector.Get(tags).EvaluateAsCounter();

    /// <summary>Gets a tag's value as a string, or null.</summary>
    public static string? Tag<T>(this CollectedMeasurement<T> measurement, string name)
        where T : struct => measurement.Tags.TryGetValue(name, out var value) ? value?.ToString() : null;
}
