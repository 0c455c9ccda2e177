using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace CacheGen.Tests.Shared;

/// <summary>
/// What the Roslyn test harnesses (<c>Microsoft.CodeAnalysis.*.Testing</c>) compile against, as a project that uses the
/// CacheGen package does: the .NET 10 reference assemblies (<c>Basic.Reference.Assemblies.Net100</c>, no download at test
/// time) plus the CacheGen runtime and every non-framework assembly it references, transitively.
/// </summary>
internal static class CacheGenTestReferences
{
    /// <summary>An empty reference-assembly set: the references come from <see cref="All"/>.</summary>
    public static ReferenceAssemblies ReferenceAssemblies { get; } = new("net10.0");

    /// <summary>.NET 10 reference assemblies, then the CacheGen runtime and its dependency closure.</summary>
    public static IReadOnlyList<MetadataReference> All { get; } = [.. Net100.References.All, .. RuntimeAndDependencies()];

    /// <summary>
    /// The CacheGen runtime and every non-framework assembly it references, transitively: what a project gets from the
    /// package's dependencies (generated code uses some of them directly, e.g. the serializer's types).
    /// </summary>
    private static MetadataReference[] RuntimeAndDependencies()
    {
        string framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var found = new Dictionary<string, System.Reflection.Assembly>(StringComparer.Ordinal);
        var pending = new Stack<System.Reflection.Assembly>([typeof(CachedAttribute).Assembly]);
        while (pending.TryPop(out var assembly))
        {
            if (!found.TryAdd(assembly.GetName().Name!, assembly))
            {
                continue;
            }

            foreach (var name in assembly.GetReferencedAssemblies())
            {
                if (!found.ContainsKey(name.Name!) && System.Reflection.Assembly.Load(name) is { } referenced && Path.GetDirectoryName(referenced.Location) != framework)
                {
                    pending.Push(referenced);
                }
            }
        }

        return found.Values.OrderBy(a => a.GetName().Name, StringComparer.Ordinal).Select(a => (MetadataReference)MetadataReference.CreateFromFile(a.Location)).ToArray();
    }
}
