namespace CacheGen.Analyzers;

/// <summary>Every CacheGen diagnostic id. Ids are never reused; each has a page in docs/diagnostics.</summary>
internal static class DiagnosticIds
{
    public const string MethodNotPartial = "CGEN001";
    public const string TypeNotPartial = "CGEN002";
    public const string MissingCore = "CGEN003";
    public const string NoCacheClient = "CGEN004";
    public const string AmbiguousCacheClient = "CGEN005";
    public const string UnsupportedReturnType = "CGEN006";
    public const string UnsupportedParameter = "CGEN007";
    public const string CachedAndInvalidates = "CGEN008";
    public const string InvalidNamespace = "CGEN009";
    public const string NonPositiveTtl = "CGEN010";
    public const string LongTtl = "CGEN011";
    public const string MalformedTemplate = "CGEN012";
    public const string UnknownPlaceholder = "CGEN013";
    public const string UnsupportedKeyType = "CGEN014";
    public const string ImpreciseKeyType = "CGEN015";
    public const string ParameterNotInKey = "CGEN016";
    public const string SecretInKey = "CGEN017";
    public const string HashedKeyPart = "CGEN018";
    public const string CollidingKeys = "CGEN019";
    public const string UnknownInvalidationTarget = "CGEN020";
    public const string InvalidationKeyMatchesNothing = "CGEN021";
    public const string PlaceholderTypeMismatch = "CGEN022";
    public const string NeverInvalidated = "CGEN023";
    public const string NondeterministicCore = "CGEN024";
    public const string ValueNotCacheable = "CGEN025";
    public const string InvalidationWithoutTarget = "CGEN026";
    public const string MemberNotInKey = "CGEN027";
    public const string FormattableKeyPart = "CGEN028";
    public const string UnusableSerializer = "CGEN030";
    public const string ValueNotImmutable = "CGEN040";
}
