using System.Text;
using CacheGen.Tests.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis.Text;

namespace CacheGen.Generator.Tests.Infrastructure;

/// <summary>
/// <c>Microsoft.CodeAnalysis.CSharp.SourceGenerators.Testing</c> set up as a project using the CacheGen package: .NET 10
/// reference assemblies plus the CacheGen runtime, nullable on. It checks the exact set of generated files (hint names)
/// and their text, every generator diagnostic (markup <c>{|CGEN002:Name|}</c> or none), and every compiler warning or
/// error of the compilation that includes the generated code: an unexpected one fails the test.
/// </summary>
internal sealed class GeneratorTest : CSharpSourceGeneratorTest<CacheGenGenerator, DefaultVerifier>
{
    public GeneratorTest()
    {
        ReferenceAssemblies = CacheGenTestReferences.ReferenceAssemblies;
        TestState.AdditionalReferences.AddRange(CacheGenTestReferences.All);

        // generated code must build warning-free in a TreatWarningsAsErrors project
        CompilerDiagnostics = CompilerDiagnostics.Warnings;
    }

    /// <summary>Runs the harness on <paramref name="markup"/> and expects exactly <paramref name="generated"/> (hint name → text, in the generator's order).</summary>
    public static Task VerifyAsync(string markup, IEnumerable<(string Hint, string Text)> generated)
    {
        var test = new GeneratorTest { TestCode = markup };
        foreach (var (hint, text) in generated)
        {
            test.TestState.GeneratedSources.Add((typeof(CacheGenGenerator), hint, SourceText.From(text, Encoding.UTF8)));
        }

        return test.RunAsync();
    }

    /// <summary>
    /// The harness parses with documentation comments on: a missing XML comment is reported in generated code (a user
    /// project with GenerateDocumentationFile and TreatWarningsAsErrors would fail on it), not in the test's own types.
    /// </summary>
    protected override bool IsCompilerDiagnosticIncluded(Diagnostic diagnostic, CompilerDiagnostics compilerDiagnostics) =>
        base.IsCompilerDiagnosticIncluded(diagnostic, compilerDiagnostics)
        && !(diagnostic.Id == "CS1591" && diagnostic.Location.SourceTree?.FilePath.Contains(nameof(CacheGenGenerator), StringComparison.Ordinal) != true);

    protected override ParseOptions CreateParseOptions() =>
        ((CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(LanguageVersion.Preview);

    protected override CompilationOptions CreateCompilationOptions()
    {
        var options = (CSharpCompilationOptions)base.CreateCompilationOptions();

        // what the SDK suppresses by default (NoWarn CS1701;CS1702): MessagePack was built against older System.* versions
        return options.WithNullableContextOptions(NullableContextOptions.Enable)
            .WithSpecificDiagnosticOptions(options.SpecificDiagnosticOptions.SetItem("CS1701", ReportDiagnostic.Suppress).SetItem("CS1702", ReportDiagnostic.Suppress));
    }
}
