using System.Collections.Immutable;
using CacheGen.Analyzers.Tests.Infrastructure;
using CacheGen.Generator;
using CacheGen.Tests.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CacheGen.Analyzers.Tests;

/// <summary>The analyzers raise nothing on the sample's services, nor inside generated code.</summary>
public sealed class SampleTests
{
    [Fact]
    public async Task SampleServices_RaiseNoWarningOrError_AndOnlyTheDocumentedInfo()
    {
        // arrange: the sample's service layer and the domain types it uses (no ASP.NET types), each file's
        // file-scoped namespace turned into a block so that the files can share one syntax tree
        string[] files =
        [
            .. Directory.GetFiles(Repository.PathOf("sample", "CacheGen.Sample", "Services"), "*.cs"),
            .. Directory.GetFiles(Repository.PathOf("sample", "CacheGen.Sample", "Domain"), "*.cs"),
            Repository.PathOf("sample", "CacheGen.Sample", "SampleOptions.cs"),
        ];
        var usings = new SortedSet<string>(StringComparer.Ordinal)
        {
            "using System;", "using System.Collections.Generic;", "using System.Linq;", "using System.Threading;",
            "using System.Threading.Tasks;", "using CacheGen;",
        };
        var bodies = new System.Text.StringBuilder();
        foreach (string file in files.OrderBy(f => f, StringComparer.Ordinal))
        {
            var lines = File.ReadAllLines(file);
            foreach (string line in lines.Where(l => l.StartsWith("using ", StringComparison.Ordinal)))
            {
                usings.Add(line);
            }

            string body = string.Join("\n", lines.Where(l => !l.StartsWith("using ", StringComparison.Ordinal)));
            int ns = body.IndexOf("namespace ", StringComparison.Ordinal);
            int semicolon = body.IndexOf(';', ns);
            bodies.Append(body[..semicolon]).Append("\n{\n").Append(body[(semicolon + 1)..]).Append("\n}\n");
        }

        // the one non-BCL type the services use, as a stand-in: this harness references the BCL and CacheGen only
        string source = string.Join("\n", usings) + "\n" + bodies
            + "namespace Microsoft.Extensions.Options { public interface IOptions<out T> where T : class { T Value { get; } } }\n";

        // act
        var diagnostics = await GetDiagnosticsAsync(source, requireNoCompilerErrors: true);

        // assert: the search method's string query is hashed when long (CGEN018, Info) and that is all
        var cacheGen = diagnostics.Where(d => d.Id.StartsWith("CGEN", StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(cacheGen, d => d.Severity >= DiagnosticSeverity.Warning);
        Assert.All(cacheGen, d => Assert.Equal(DiagnosticIds.HashedKeyPart, d.Id));
    }

    [Fact]
    public async Task GeneratedCode_NeverCarriesADiagnostic()
    {
        var diagnostics = await GetDiagnosticsAsync(AnalyzerTest.Usings + """
            public sealed record Report(int Id, DateTime At);
            public partial class Svc(ICacheClient cache)
            {
                [Cached("reports", 60, Key = "r:{id}", Tags = ["r:{id}"])]
                public partial Task<Report> Get(int id, string? apiKey, double scale);
                private Task<Report> GetCore(int id, string? apiKey, double scale) => Task.FromResult(new Report(id, default));

                [InvalidatesCache("reports", Key = "r:{id}")]
                public partial void Drop(int id);
                private void DropCore(int id) { }
            }
            """);

        Assert.NotEmpty(diagnostics);
        Assert.All(diagnostics, d => Assert.DoesNotContain("CacheGen.Generator/", d.Location.SourceTree?.FilePath ?? string.Empty, StringComparison.Ordinal));
    }

    /// <summary>
    /// Every generator and analyzer diagnostic of a compilation as a build makes it, for assertions over a set whose spans
    /// the test cannot know in advance (the sample's sources change); <see cref="AnalyzerTest"/> is for exact spans.
    /// </summary>
    private static async Task<ImmutableArray<Diagnostic>> GetDiagnosticsAsync(string source, bool requireNoCompilerErrors = false)
    {
        var parseOptions = new CSharpParseOptions(LanguageVersion.Preview);
        var compilation = CSharpCompilation.Create(
            "SampleTests",
            [CSharpSyntaxTree.ParseText(source, parseOptions, path: "Test.cs")],
            CacheGenTestReferences.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        CSharpGeneratorDriver.Create(new CacheGenGenerator()).WithUpdatedParseOptions(parseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        if (requireNoCompilerErrors)
        {
            var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            Assert.True(errors.Count == 0, "The source does not compile:\n" + string.Join("\n", errors));
        }

        var analyzerDiagnostics = await output.WithAnalyzers(AnalyzerTest.Analyzers).GetAnalyzerDiagnosticsAsync();
        return generatorDiagnostics.AddRange(analyzerDiagnostics);
    }
}
