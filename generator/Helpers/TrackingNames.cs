namespace CacheGen.Generator.Helpers;

/// <summary>Names of the tracked pipeline steps; the incremental tests look them up.</summary>
internal static class TrackingNames
{
    public const string CachedMethods = nameof(CachedMethods);
    public const string InvalidatingMethods = nameof(InvalidatingMethods);
    public const string Catalog = nameof(Catalog);
    public const string ValueFormatters = nameof(ValueFormatters);
}
