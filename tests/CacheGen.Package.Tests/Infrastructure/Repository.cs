using System.Reflection;

namespace CacheGen.Package.Tests.Infrastructure;

/// <summary>Where the repository and this build are, as the test project's build recorded them.</summary>
public static class Repository
{
    public static string Root { get; } = Metadata("RepositoryRoot");

    /// <summary>The configuration the tests were built in; the runtime and its Roslyn parts were built in it too.</summary>
    public static string Configuration { get; } = Metadata("Configuration");

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string Metadata(string key) =>
        typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
