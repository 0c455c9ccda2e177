using System.Collections.Immutable;
using System.Text;
using CacheGen.Analyzers;
using CacheGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CacheGen.Analyzers.Tests.Infrastructure;

/// <summary>
/// Runs the generator, then every CacheGen analyzer, over a source, as a build does; compares diagnostics with
/// <c>{|CGENnnn:text|}</c> markup, which marks the exact span a diagnostic must cover.
/// </summary>
internal static class AnalyzerHarness
{
    public const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using CacheGen;

        """;

    private static readonly ImmutableArray<MetadataReference> s_references = BuildReferences();

    public static ImmutableArray<DiagnosticAnalyzer> Analyzers { get; } =
        [new CachedMethodAnalyzer(), new NondeterministicCoreAnalyzer()];

    /// <summary>Asserts that the diagnostics with the markup's ids are exactly the marked ones (id and span).</summary>
    public static async Task VerifyAsync(string markup)
    {
        var (source, expected) = ParseMarkup(markup);
        var ids = expected.Select(e => e.Id).ToHashSet();
        var actual = (await GetDiagnosticsAsync(source))
            .Where(d => ids.Contains(d.Id))
            .Select(d => (d.Id, d.Location.SourceSpan.Start, d.Location.SourceSpan.Length, Text: source.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length)))
            .OrderBy(d => d.Start).ThenBy(d => d.Id, StringComparer.Ordinal)
            .ToList();
        var wanted = expected.Select(e => (e.Id, e.Start, e.Length, Text: source.Substring(e.Start, e.Length)))
            .OrderBy(d => d.Start).ThenBy(d => d.Id, StringComparer.Ordinal)
            .ToList();
        Assert.Equal(wanted, actual);
    }

    /// <summary>Asserts that no diagnostic with <paramref name="id"/> is reported, and that the source has no compiler errors.</summary>
    public static async Task VerifyNoneAsync(string id, string source)
    {
        var diagnostics = await GetDiagnosticsAsync(source, requireNoCompilerErrors: true);
        Assert.DoesNotContain(diagnostics, d => d.Id == id);
    }

    /// <summary>Generator diagnostics plus analyzer diagnostics of the compilation that includes the generated code.</summary>
    public static async Task<ImmutableArray<Diagnostic>> GetDiagnosticsAsync(string source, bool requireNoCompilerErrors = false)
    {
        var compilation = CSharpCompilation.Create(
            "AnalyzerTests",
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Preview), path: "Test.cs")],
            s_references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        CSharpGeneratorDriver.Create(new CacheGenGenerator())
            .WithUpdatedParseOptions(new CSharpParseOptions(LanguageVersion.Preview))
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        if (requireNoCompilerErrors)
        {
            var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            Assert.True(errors.Count == 0, "The near-miss source does not compile:\n" + string.Join("\n", errors));
        }

        var analyzerDiagnostics = await output.WithAnalyzers(Analyzers).GetAnalyzerDiagnosticsAsync();
        return generatorDiagnostics.AddRange(analyzerDiagnostics);
    }

    private static (string Source, List<(string Id, int Start, int Length)> Spans) ParseMarkup(string markup)
    {
        var sb = new StringBuilder();
        var spans = new List<(string, int, int)>();
        int i = 0;
        while (i < markup.Length)
        {
            int open = markup.IndexOf("{|", i, StringComparison.Ordinal);
            if (open < 0)
            {
                sb.Append(markup, i, markup.Length - i);
                break;
            }

            sb.Append(markup, i, open - i);
            int colon = markup.IndexOf(':', open);
            int close = markup.IndexOf("|}", colon, StringComparison.Ordinal);
            string id = markup.Substring(open + 2, colon - open - 2);
            string text = markup.Substring(colon + 1, close - colon - 1);
            spans.Add((id, sb.Length, text.Length));
            sb.Append(text);
            i = close + 2;
        }

        Assert.NotEmpty(spans);
        return (sb.ToString(), spans);
    }

    private static ImmutableArray<MetadataReference> BuildReferences()
    {
        string tpa = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        return tpa.Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll")
            .Append(typeof(CachedAttribute).Assembly.Location)
            .Append(typeof(MessagePack.MessagePackWriter).Assembly.Location)
            .Append(typeof(MessagePack.KeyAttribute).Assembly.Location)
            .Distinct()
            .OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray();
    }
}
