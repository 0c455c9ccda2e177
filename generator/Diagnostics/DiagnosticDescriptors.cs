using Microsoft.CodeAnalysis;

namespace CacheGen.Analyzers;

/// <summary>The descriptors of every CacheGen diagnostic; <see cref="DiagnosticIds"/> holds the ids.</summary>
internal static class DiagnosticDescriptors
{
    /// <summary>
    /// The repository's canonical URL: the one place it is written in C#. The package's <c>RepositoryUrl</c>
    /// (<c>Directory.Build.props</c>) must equal it; the package test checks both and that every page is shipped.
    /// </summary>
    internal const string RepositoryUrl = "https://github.com/cachegen/cachegen";

    /// <summary>Where the docs page of each diagnostic lives: <c>{HelpLinkBase}CGENnnn.md</c> (<c>docs/diagnostics/</c>).</summary>
    internal const string HelpLinkBase = RepositoryUrl + "/blob/main/docs/diagnostics/";

    /// <summary>The absolute help link of diagnostic <paramref name="id"/>; every descriptor gets its link here.</summary>
    internal static string HelpLink(string id) => HelpLinkBase + id + ".md";

    private const string Usage = "CacheGen.Usage";
    private const string Keys = "CacheGen.Keys";
    private const string Invalidation = "CacheGen.Invalidation";
    private const string Correctness = "CacheGen.Correctness";

    public static readonly DiagnosticDescriptor MethodNotPartial = Create(
        DiagnosticIds.MethodNotPartial, "Cached method is not a partial declaration",
        "Method '{0}' must be a partial method declaration without a body for CacheGen to implement it", Usage, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor TypeNotPartial = Create(
        DiagnosticIds.TypeNotPartial, "Containing type is not partial",
        "Type '{0}' must be partial for CacheGen to implement '{1}'", Usage, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor MissingCore = Create(
        DiagnosticIds.MissingCore, "Implementation method missing or mismatched",
        "Method '{0}' needs an implementation '{1}' with the same parameters and return type", Usage, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor NoCacheClient = Create(
        DiagnosticIds.NoCacheClient, "No ICacheClient on the type",
        "Type '{0}' has no {1}ICacheClient field, property or primary-constructor parameter for '{2}'", Usage, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor AmbiguousCacheClient = Create(
        DiagnosticIds.AmbiguousCacheClient, "Several ICacheClient members on the type",
        "Type '{0}' has {1} ICacheClient members; '{2}' needs exactly one", Usage, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnsupportedReturnType = Create(
        DiagnosticIds.UnsupportedReturnType, "Unsupported return type",
        "'{0}' cannot be {1}: its return type '{2}' {3}", Usage, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnsupportedParameter = Create(
        DiagnosticIds.UnsupportedParameter, "Unsupported parameter",
        "Parameter '{0}' of '{1}' cannot pass through a cache wrapper: {2}", Usage, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor CachedAndInvalidates = Create(
        DiagnosticIds.CachedAndInvalidates, "Cached and invalidating on one method",
        "Method '{0}' has both [Cached] and [InvalidatesCache]; split it into a cached read and an invalidating write", Usage, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor InvalidNamespace = Create(
        DiagnosticIds.InvalidNamespace, "Invalid cache namespace",
        "Cache namespace '{0}' must match [a-z0-9][a-z0-9_.-]* (no ':', glob characters, spaces or capitals)", Usage, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor NonPositiveTtl = Create(
        DiagnosticIds.NonPositiveTtl, "TTL not positive",
        "The TTL of '{0}' must be positive, not {1} s", Usage, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor LongTtl = Create(
        DiagnosticIds.LongTtl, "TTL above 30 days",
        "The TTL of '{0}' is {1} s, above 30 days; entries are kept at most 30 days", Usage, DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor MalformedTemplate = Create(
        DiagnosticIds.MalformedTemplate, "Malformed key or tag template",
        "Template '{0}' is malformed at '{1}': each ':'-separated segment must be a literal of [A-Za-z0-9_.-] or a whole {{placeholder}}", Keys, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnknownPlaceholder = Create(
        DiagnosticIds.UnknownPlaceholder, "Placeholder names nothing",
        "Placeholder '{{{0}}}' in '{1}' names no parameter of '{2}' or no public member of it", Keys, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnsupportedKeyType = Create(
        DiagnosticIds.UnsupportedKeyType, "Key part without a sound key form",
        "'{0}' of type '{1}' has no sound, value-based, invariant key form, so '{2}' is not cached; key on its identifying members or mark it [NotCacheKey]", Keys, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor ImpreciseKeyType = Create(
        DiagnosticIds.ImpreciseKeyType, "Imprecise key part",
        "'{0}' of type '{1}' is {2} in a key of '{3}'", Keys, DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor ParameterNotInKey = Create(
        DiagnosticIds.ParameterNotInKey, "Parameter left out of the key",
        "Parameter '{0}' is not in the key template of '{1}': calls that differ only in it share one entry; add {{{0}}} to the template or mark it [NotCacheKey]", Keys, DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor SecretInKey = Create(
        DiagnosticIds.SecretInKey, "Secret in a cache key",
        "'{0}' looks like a secret and would be written into a Redis key of '{1}'; key on a non-secret identifier, or leave it out of the key ([NotCacheKey] or a template without it)", Keys, DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor HashedKeyPart = Create(
        DiagnosticIds.HashedKeyPart, "Unbounded key part",
        "'{0}' is an unbounded {1}: in keys of '{2}', a value longer than 128 characters is replaced by its SHA-256", Keys, DiagnosticSeverity.Info);

    public static readonly DiagnosticDescriptor CollidingKeys = Create(
        DiagnosticIds.CollidingKeys, "Cached methods share a key shape",
        "'{0}' and '{1}' build keys of the same shape '{2}' in namespace '{3}': they would read each other's entries", Keys, DiagnosticSeverity.Warning, compilationEnd: true);

    public static readonly DiagnosticDescriptor UnknownInvalidationTarget = Create(
        DiagnosticIds.UnknownInvalidationTarget, "Invalidation names nothing cached",
        "[InvalidatesCache] on '{0}' names {1} '{2}', which no [Cached] method uses; check the spelling", Invalidation, DiagnosticSeverity.Warning, compilationEnd: true);

    public static readonly DiagnosticDescriptor InvalidationKeyMatchesNothing = Create(
        DiagnosticIds.InvalidationKeyMatchesNothing, "Invalidation key matches no cached key",
        "Key template '{0}' on '{1}' matches no cached key template in namespace '{2}'", Invalidation, DiagnosticSeverity.Warning, compilationEnd: true);

    public static readonly DiagnosticDescriptor PlaceholderTypeMismatch = Create(
        DiagnosticIds.PlaceholderTypeMismatch, "Placeholder types differ",
        "Placeholder {0} of '{1}' is '{2}' on '{3}' but '{4}' on '{5}': the two keys are written differently and will not match", Invalidation, DiagnosticSeverity.Warning, compilationEnd: true);

    public static readonly DiagnosticDescriptor NeverInvalidated = Create(
        DiagnosticIds.NeverInvalidated, "Long-lived namespace never invalidated",
        "Namespace '{0}' caches '{1}' for {2} s and no [InvalidatesCache] method drops it", Invalidation, DiagnosticSeverity.Info, compilationEnd: true);

    public static readonly DiagnosticDescriptor NondeterministicCore = Create(
        DiagnosticIds.NondeterministicCore, "Cached result depends on a value outside the key",
        "'{0}' reads {1}, which is not in the key: the cached result would be served to calls made at other times or by other users", Correctness, DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor ValueNotCacheable = Create(
        DiagnosticIds.ValueNotCacheable, "Return value cannot be cached",
        "'{0}' returns '{1}', which CacheGen cannot prove to read back exactly: {2}", Usage, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor InvalidationWithoutTarget = Create(
        DiagnosticIds.InvalidationWithoutTarget, "Invalidation without a target",
        "[InvalidatesCache] on '{0}' {1}, so it invalidates nothing", Invalidation, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor MemberNotInKey = Create(
        DiagnosticIds.MemberNotInKey, "Members left out of the key",
        "Key template '{0}' of '{1}' reads some members of its parameters but not {2}: calls that differ only in them share one entry; add them to the template, key on the whole value, or pass only what identifies the entry", Keys, DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor FormattableKeyPart = Create(
        DiagnosticIds.FormattableKeyPart, "Key part formats itself",
        "'{0}' of type '{1}' is written into keys of '{2}' by its own IFormattable.ToString(null, InvariantCulture): CacheGen cannot prove that equal values format alike and different values differently; key on its members, or silence CGEN028 where the formatting is invariant and exact", Keys, DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor UnusableSerializer = Create(
        DiagnosticIds.UnusableSerializer, "Serializer cannot format the cached value",
        "Serializer '{0}' on '{1}' cannot be used: {2}", Usage, DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor ValueNotImmutable = Create(
        DiagnosticIds.ValueNotImmutable, "Cached value is not deeply immutable",
        "'{0}' returns '{1}', which CacheGen cannot prove deeply immutable, so the in-process level keeps its bytes and each hit deserializes a copy: {2}", Usage, DiagnosticSeverity.Info);

    private static DiagnosticDescriptor Create(string id, string title, string message, string category, DiagnosticSeverity severity, bool compilationEnd = false) =>
        new(id, title, message, category, severity, isEnabledByDefault: true, helpLinkUri: HelpLink(id),
            customTags: compilationEnd ? new[] { WellKnownDiagnosticTags.CompilationEnd } : System.Array.Empty<string>());
}
