using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CacheGen.Benchmarks;

/// <summary>A compilation of 100 services × 10 annotated methods (1,000 in all), as a large user project would hold.</summary>
internal static class LargeCompilation
{
    public const int Services = 100;
    public const int MethodsPerService = 10;

    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Preview);

    public static CSharpCompilation Create()
    {
        var trees = new List<SyntaxTree>();
        for (int s = 0; s < Services; s++)
        {
            var sb = new StringBuilder();
            sb.Append($$"""
                using System.Threading;
                using System.Threading.Tasks;
                using CacheGen;

                namespace Bench.Services{{s % 10}};

                public sealed record Result{{s}}(int Id, string Name);

                public sealed partial class Service{{s}}(ICacheClient cache)
                {

                """);
            for (int m = 0; m < MethodsPerService; m++)
            {
                if (m % 5 == 4)
                {
                    sb.Append($$"""
                            [InvalidatesCache(Tags = ["item:{id}"])]
                            public partial Task Update{{m}}Async(int id, CancellationToken ct = default);
                            private Task Update{{m}}AsyncCore(int id, CancellationToken ct) => Task.CompletedTask;

                        """);
                }
                else
                {
                    sb.Append($$"""
                            [Cached("ns{{s}}", 300, Key = "m{{m}}:{id}:{name}", Tags = ["item:{id}"])]
                            public partial Task<Result{{s}}> Get{{m}}Async(int id, string name, CancellationToken ct = default);
                            private Task<Result{{s}}> Get{{m}}AsyncCore(int id, string name, CancellationToken ct) => Task.FromResult(new Result{{s}}(id, name));

                        """);
                }
            }

            sb.Append("}\n");
            trees.Add(CSharpSyntaxTree.ParseText(sb.ToString(), ParseOptions, path: $"Service{s}.cs"));
        }

        return CSharpCompilation.Create(
            "Bench",
            trees,
            References(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
    }

    private static ImmutableArray<MetadataReference> References()
    {
        string tpa = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        return tpa.Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll")
            .Append(typeof(CacheGen.CachedAttribute).Assembly.Location)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray();
    }
}
