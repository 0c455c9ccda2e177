using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using CacheGen.Analyzers;
using CacheGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CacheGen.Benchmarks;

/// <summary>Every CacheGen analyzer over the 1,000-method compilation, generated code included, as a build runs them.</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8)]
public class AnalyzerBenchmarks
{
    private Compilation _compilation = null!;
    private ImmutableArray<DiagnosticAnalyzer> _analyzers;

    [GlobalSetup]
    public void Setup()
    {
        CSharpGeneratorDriver.Create([new CacheGenGenerator().AsSourceGenerator()], parseOptions: LargeCompilation.ParseOptions)
            .RunGeneratorsAndUpdateCompilation(LargeCompilation.Create(), out _compilation, out _);
        _analyzers = [new CachedMethodAnalyzer(), new NondeterministicCoreAnalyzer()];
        var found = Run().Result.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        if (found.Count != 0)
        {
            throw new InvalidOperationException("The benchmark compilation should be clean: " + found[0]);
        }
    }

    /// <summary>The same kinds of actions doing nothing: what binding the compilation costs, which a build pays anyway.</summary>
    [Benchmark(Baseline = true, Description = "baseline: empty analyzer, same actions")]
    public Task<ImmutableArray<Diagnostic>> Baseline() => _compilation.WithAnalyzers([new EmptyAnalyzer()]).GetAnalyzerDiagnosticsAsync();

    [Benchmark(Description = "all analyzers, 1,000 methods")]
    public Task<ImmutableArray<Diagnostic>> AllAnalyzers() => Run();

    // a fresh CompilationWithAnalyzers each time: no analyzer result is cached between invocations
    private Task<ImmutableArray<Diagnostic>> Run() =>
        _compilation.WithAnalyzers(_analyzers).GetAnalyzerDiagnosticsAsync();

    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    private sealed class EmptyAnalyzer : DiagnosticAnalyzer
    {
        private static readonly DiagnosticDescriptor s_never = new("BENCH0", "never", "never", "bench", DiagnosticSeverity.Hidden, true);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => [s_never];

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze);
            context.EnableConcurrentExecution();
            context.RegisterSymbolAction(static _ => { }, SymbolKind.Method);
            context.RegisterOperationAction(static _ => { }, Microsoft.CodeAnalysis.OperationKind.PropertyReference, Microsoft.CodeAnalysis.OperationKind.Invocation, Microsoft.CodeAnalysis.OperationKind.ObjectCreation);
        }
    }
}
