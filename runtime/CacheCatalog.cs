namespace CacheGen;

/// <summary>One cached method, as the generator saw it at compile time.</summary>
/// <param name="Namespace">The cache namespace.</param>
/// <param name="Identity">The key identity (<c>Type.Method~hash</c>) or the key template.</param>
/// <param name="KeyTemplate">The declared key template, or <see langword="null"/> for the default key.</param>
/// <param name="TtlSeconds">The declared time to live.</param>
/// <param name="Tags">The tag templates.</param>
/// <param name="Method">The method, as <c>Namespace.Type.Method(parameter types)</c>.</param>
public sealed record CacheCatalogEntry(string Namespace, string Identity, string? KeyTemplate, int TtlSeconds, IReadOnlyList<string> Tags, string Method);

/// <summary>One invalidating method, as the generator saw it at compile time.</summary>
/// <param name="Namespace">The namespace it drops (whole, or one key of), or <see langword="null"/> for tags only.</param>
/// <param name="KeyTemplate">The key template it drops, or <see langword="null"/>.</param>
/// <param name="Tags">The tag templates it drops.</param>
/// <param name="Method">The method, as <c>Namespace.Type.Method(parameter types)</c>.</param>
public sealed record CacheInvalidatorEntry(string? Namespace, string? KeyTemplate, IReadOnlyList<string> Tags, string Method);

/// <summary>
/// Every cached and invalidating method of the loaded assemblies, registered by generated code when each
/// assembly loads, so operators can see what may be in Redis and what removes it.
/// </summary>
public static class CacheCatalog
{
    private static readonly Lock s_lock = new();
    private static CacheCatalogEntry[] s_entries = [];
    private static CacheInvalidatorEntry[] s_invalidators = [];

    /// <summary>Gets the cached methods, ordered by namespace and identity.</summary>
    public static IReadOnlyList<CacheCatalogEntry> Entries => Volatile.Read(ref s_entries);

    /// <summary>Gets the invalidating methods, ordered by method.</summary>
    public static IReadOnlyList<CacheInvalidatorEntry> Invalidators => Volatile.Read(ref s_invalidators);

    /// <summary>Adds an assembly's methods. Called by the generated module initializer.</summary>
    public static void Register(IEnumerable<CacheCatalogEntry> entries, IEnumerable<CacheInvalidatorEntry> invalidators)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(invalidators);
        lock (s_lock)
        {
            s_entries = [.. s_entries.Concat(entries).Distinct().OrderBy(e => e.Namespace, StringComparer.Ordinal).ThenBy(e => e.Identity, StringComparer.Ordinal).ThenBy(e => e.Method, StringComparer.Ordinal)];
            s_invalidators = [.. s_invalidators.Concat(invalidators).Distinct().OrderBy(e => e.Method, StringComparer.Ordinal).ThenBy(e => e.Namespace, StringComparer.Ordinal)];
        }
    }
}
