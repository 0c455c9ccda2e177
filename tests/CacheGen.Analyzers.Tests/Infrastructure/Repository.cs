using System.Reflection;

namespace CacheGen.Analyzers.Tests.Infrastructure;

/// <summary>Paths in the repository, found through assembly metadata written at build time.</summary>
internal static class Repository
{
    public static string Root { get; } = typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);
}
