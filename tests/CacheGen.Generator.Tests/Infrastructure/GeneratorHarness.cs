using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CacheGen.Generator.Tests.Infrastructure;

/// <summary>Compiles test sources and runs the generator directly: for step tracking, emitting assemblies, and <see cref="Run"/>.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview);

    private static readonly ImmutableArray<MetadataReference> s_references = BuildReferences();

    public static CSharpCompilation Compile(params string[] sources) =>
        CSharpCompilation.Create(
            "Tests",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Source{i}.cs")),
            s_references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, generalDiagnosticOption: ReportDiagnostic.Error)
                // what the SDK suppresses by default: MessagePack was built against older System.* versions
                .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic> { ["CS1701"] = ReportDiagnostic.Suppress, ["CS1702"] = ReportDiagnostic.Suppress }));

    public static GeneratorDriver CreateDriver(bool trackSteps = false) =>
        CSharpGeneratorDriver.Create(
            [new CacheGenGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>
    /// Runs the generator and returns its sources by hint name, after the standard harness (<see cref="GeneratorTest"/>)
    /// has checked, on its own project (.NET 10 reference assemblies), that it generates exactly these files with this
    /// text, reports no diagnostic, and that the result compiles without a warning or an error.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Run(string source)
    {
        var driver = CreateDriver().RunGenerators(Compile(source));
        var generated = driver.GetRunResult().Results.Single().GeneratedSources.Select(s => (s.HintName, Text: s.SourceText.ToString())).ToList();

        // off xunit's synchronization context: the harness awaits without ConfigureAwait
        Task.Run(() => GeneratorTest.VerifyAsync(source, generated)).GetAwaiter().GetResult();
        return generated.ToDictionary(g => g.HintName, g => g.Text);
    }

    /// <summary>
    /// Like <see cref="Run"/> for a source whose generator diagnostics are marked (<c>{|CGEN002:Clear|}</c>, compiler
    /// errors too): the harness checks exactly those diagnostics and exactly the files returned here.
    /// </summary>
    public static IReadOnlyDictionary<string, string> RunWithDiagnostics(string markup)
    {
        string source = System.Text.RegularExpressions.Regex.Replace(markup, @"\{\|[A-Z]+[0-9]+:|\|\}", string.Empty);
        var driver = CreateDriver().RunGenerators(Compile(source));
        var generated = driver.GetRunResult().Results.Single().GeneratedSources.Select(s => (s.HintName, Text: s.SourceText.ToString())).ToList();
        Task.Run(() => GeneratorTest.VerifyAsync(markup, generated)).GetAwaiter().GetResult();
        return generated.ToDictionary(g => g.HintName, g => g.Text);
    }

    private static ImmutableArray<MetadataReference> BuildReferences()
    {
        string tpa = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        return tpa.Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Append(typeof(CachedAttribute).Assembly.Location)
            .Append(typeof(MessagePack.MessagePackWriter).Assembly.Location)
            .Append(typeof(MessagePack.KeyAttribute).Assembly.Location)
            .Distinct()
            .OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray();
    }
}
