namespace CacheGen.Generator.Helpers;

/// <summary>Metadata names the generator looks for.</summary>
internal static class KnownNames
{
    public const string CachedAttribute = "CacheGen.CachedAttribute";
    public const string InvalidatesCacheAttribute = "CacheGen.InvalidatesCacheAttribute";
    public const string NotCacheKeyAttribute = "CacheGen.NotCacheKeyAttribute";
    public const string CacheClientInterface = "CacheGen.ICacheClient";
    public const string CacheKeyBuilder = "global::CacheGen.CacheKeyBuilder";
    public const string CachedMethod = "global::CacheGen.CachedMethod";
    public const string CoreSuffix = "Core";
}
