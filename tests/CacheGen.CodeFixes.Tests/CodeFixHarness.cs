using System.Collections.Immutable;
using CacheGen.Analyzers;
using CacheGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CacheGen.CodeFixes.Tests;

/// <summary>Applies a code fix in an <see cref="AdhocWorkspace"/> and returns the fixed document's text.</summary>
internal static class CodeFixHarness
{
    private static readonly ImmutableArray<MetadataReference> s_references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
        .Split(Path.PathSeparator)
        .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll")
        .Append(typeof(CachedAttribute).Assembly.Location)
        .Distinct()
        .OrderBy(p => p, StringComparer.Ordinal)
        .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
        .ToImmutableArray();

    /// <summary>Fixes the first <paramref name="id"/> diagnostic with action <paramref name="actionIndex"/>, asserts it is gone, and returns the new text.</summary>
    public static async Task<string> FixAsync(string source, string id, CodeFixProvider provider, int actionIndex = 0)
    {
        using var workspace = new AdhocWorkspace();
        var document = CreateDocument(workspace, source);
        var diagnostic = (await DiagnosticsAsync(document)).FirstOrDefault(d => d.Id == id);
        Assert.NotNull(diagnostic);

        var actions = new List<CodeAction>();
        await provider.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
        Assert.True(actions.Count > actionIndex, $"{provider.GetType().Name} offered {actions.Count} action(s) for {id}.");
        var operations = await actions[actionIndex].GetOperationsAsync(CancellationToken.None);
        var solution = operations.OfType<ApplyChangesOperation>().Single().ChangedSolution;
        var fixedDocument = solution.GetDocument(document.Id)!;

        // the fix must remove what it fixes, and leave code that compiles once generated
        var after = await DiagnosticsAsync(fixedDocument);
        Assert.DoesNotContain(after, d => d.Id == id);
        return (await fixedDocument.GetTextAsync()).ToString().Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    private static Document CreateDocument(AdhocWorkspace workspace, string source)
    {
        var project = workspace.AddProject("Fix", LanguageNames.CSharp)
            .WithMetadataReferences(s_references)
            .WithCompilationOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable))
            .WithParseOptions(new CSharpParseOptions(LanguageVersion.Preview));
        return project.AddDocument("Test.cs", source);
    }

    /// <summary>Generator plus analyzer diagnostics, as a build reports them.</summary>
    private static async Task<ImmutableArray<Diagnostic>> DiagnosticsAsync(Document document)
    {
        var compilation = (await document.Project.GetCompilationAsync())!;
        CSharpGeneratorDriver.Create(new CacheGenGenerator())
            .WithUpdatedParseOptions(new CSharpParseOptions(LanguageVersion.Preview))
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        ImmutableArray<DiagnosticAnalyzer> analyzers = [new CachedMethodAnalyzer(), new NondeterministicCoreAnalyzer()];
        var analyzerDiagnostics = await output.WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync();
        return generatorDiagnostics.AddRange(analyzerDiagnostics);
    }
}
