using System.Collections.Immutable;
using CacheGen.Generator;
using CacheGen.Tests.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace CacheGen.Analyzers.Tests.Infrastructure;

/// <summary>
/// <c>Microsoft.CodeAnalysis.CSharp.Analyzer.Testing</c> set up as a build runs CacheGen: the generator and every analyzer
/// the analyzers assembly exports, on .NET 10 reference assemblies plus the CacheGen runtime. Markup
/// (<c>{|CGEN016:region|}</c>) gives each expected diagnostic's id and span; any other diagnostic (another CGEN id, an
/// analyzer diagnostic inside generated code, a compiler error) fails the test.
/// </summary>
internal sealed class AnalyzerTest : CSharpAnalyzerTest<EmptyDiagnosticAnalyzer, DefaultVerifier>
{
    public const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using CacheGen;

        """;

    public AnalyzerTest()
    {
        ReferenceAssemblies = CacheGenTestReferences.ReferenceAssemblies;
        TestState.AdditionalReferences.AddRange(CacheGenTestReferences.All);

        // the generator's output is checked by the generator tests; here it has to compile and carry no diagnostic
        TestBehaviors = TestBehaviors.SkipGeneratedSourcesCheck;
    }

    /// <summary>Every analyzer the analyzers assembly exports, as a build loads them.</summary>
    public static ImmutableArray<DiagnosticAnalyzer> Analyzers => CacheGenAnalyzers.Create();

    /// <summary>
    /// Asserts that the diagnostics are exactly the marked ones (id and span): every analyzer and generator diagnostic of
    /// any severity, and every compiler error.
    /// </summary>
    public static Task VerifyAsync(string markup) => new AnalyzerTest { TestCode = markup }.RunAsync();

    /// <summary>
    /// A near miss: asserts that <paramref name="id"/> is not reported, and that every other diagnostic is one the
    /// markup names (so a near miss that does not compile, or that raises something else, fails).
    /// </summary>
    public static Task VerifyNoneAsync(string id, string markup)
    {
        Assert.DoesNotContain("{|" + id + ":", markup, StringComparison.Ordinal);
        return VerifyAsync(markup);
    }

    protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => Analyzers;

    protected override IEnumerable<Type> GetSourceGenerators() => [typeof(CacheGenGenerator)];

    protected override ParseOptions CreateParseOptions() =>
        ((CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(LanguageVersion.Preview);

    protected override CompilationOptions CreateCompilationOptions() =>
        ((CSharpCompilationOptions)base.CreateCompilationOptions()).WithNullableContextOptions(NullableContextOptions.Enable);
}
