using CacheGen.Generator;
using CacheGen.Tests.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace CacheGen.CodeFixes.Tests;

/// <summary>
/// <c>Microsoft.CodeAnalysis.CSharp.CodeFix.Testing</c> set up as a build runs CacheGen: the generator and every
/// analyzer on .NET 10 reference assemblies plus the CacheGen runtime. Markup (<c>{|CGEN016:region|}</c>) gives each
/// expected diagnostic's id and span; any other diagnostic, compiler errors included, fails the test, before and after
/// the fix. The fix is applied until no fixable diagnostic is left (and must get there in the iterations given), and,
/// for providers with a fix-all provider, fix-all in document, project and solution scope must give the same text.
/// </summary>
internal sealed class CodeFixTest<TCodeFix> : CSharpCodeFixTest<EmptyDiagnosticAnalyzer, TCodeFix, DefaultVerifier>
    where TCodeFix : CodeFixProvider, new()
{
    public CodeFixTest()
    {
        // no reference-assembly download at test time: the .NET 10 set ships in Basic.Reference.Assemblies.Net100
        ReferenceAssemblies = CacheGenTestReferences.ReferenceAssemblies;
        TestState.AdditionalReferences.AddRange(CacheGenTestReferences.All);

        // the generator's output is checked by the generator's own snapshot tests; here it has to compile, nothing more
        TestBehaviors = TestBehaviors.SkipGeneratedSourcesCheck;
    }

    /// <summary>Every analyzer the analyzers assembly exports, as a build loads them.</summary>
    protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => CacheGenAnalyzers.Create();

    protected override IEnumerable<Type> GetSourceGenerators() => [typeof(CacheGenGenerator)];

    protected override ParseOptions CreateParseOptions() =>
        ((CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(LanguageVersion.Preview);

    protected override CompilationOptions CreateCompilationOptions() =>
        ((CSharpCompilationOptions)base.CreateCompilationOptions()).WithNullableContextOptions(NullableContextOptions.Enable);

    /// <summary>Fixes <paramref name="source"/> (with markup) into <paramref name="fixedSource"/> with the provider's action <paramref name="actionIndex"/>.</summary>
    /// <param name="iterations">How many fixes, one at a time, it takes to reach the fixed code (a fixed point: no fixable diagnostic left).</param>
    /// <param name="fixAllIterations">How many fix-all passes it takes (defaults to <paramref name="iterations"/>).</param>
    public static Task VerifyAsync(string source, string fixedSource, int? actionIndex = null, int iterations = 1, int? fixAllIterations = null) => new CodeFixTest<TCodeFix>
    {
        TestCode = source,
        FixedCode = fixedSource,
        CodeActionIndex = actionIndex,
        NumberOfIncrementalIterations = iterations,
        NumberOfFixAllIterations = fixAllIterations ?? iterations,
    }.RunAsync();
}
