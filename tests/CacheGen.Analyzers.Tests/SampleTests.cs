using CacheGen.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace CacheGen.Analyzers.Tests;

/// <summary>The analyzers raise nothing on the sample's services, nor inside generated code.</summary>
public sealed class SampleTests
{
    [Fact]
    public async Task SampleServices_RaiseNoWarningOrError_AndOnlyTheDocumentedInfo()
    {
        // arrange: the sample's service layer (it needs no ASP.NET types)
        string folder = Repository.PathOf("sample", "CacheGen.Sample", "Services");
        string source = "using System;\nusing System.Collections.Generic;\nusing System.Linq;\nusing System.Threading;\nusing System.Threading.Tasks;\nusing CacheGen;\n"
            + string.Join("\n", Directory.GetFiles(folder, "*.cs").OrderBy(f => f, StringComparer.Ordinal).Select(File.ReadAllText))
                .Replace("namespace CacheGen.Sample.Services;", string.Empty, StringComparison.Ordinal);
        source = "namespace CacheGen.Sample.Services\n{\n" + source.Replace("using ", "//using ", StringComparison.Ordinal) + "\n}";
        source = "using System;\nusing System.Collections.Generic;\nusing System.Linq;\nusing System.Threading;\nusing System.Threading.Tasks;\nusing System.Collections.Concurrent;\nusing CacheGen;\n" + source;

        // act
        var diagnostics = await AnalyzerHarness.GetDiagnosticsAsync(source, requireNoCompilerErrors: true);

        // assert: the search method's string query is hashed when long (CGEN018, Info) and that is all
        var cacheGen = diagnostics.Where(d => d.Id.StartsWith("CGEN", StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(cacheGen, d => d.Severity >= DiagnosticSeverity.Warning);
        Assert.All(cacheGen, d => Assert.Equal(DiagnosticIds.HashedKeyPart, d.Id));
    }

    [Fact]
    public async Task GeneratedCode_NeverCarriesADiagnostic()
    {
        var diagnostics = await AnalyzerHarness.GetDiagnosticsAsync(AnalyzerHarness.Usings + """
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
}
