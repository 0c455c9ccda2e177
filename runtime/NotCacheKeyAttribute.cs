namespace CacheGen;

/// <summary>
/// Leaves a parameter out of the cache key. Use it for parameters that do not change the result
/// (a logger, a trace id); two calls that differ only in such a parameter share one entry.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class NotCacheKeyAttribute : Attribute
{
}
