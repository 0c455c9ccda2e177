using BenchmarkDotNet.Attributes;
using CacheGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CacheGen.Benchmarks;

/// <summary>The generator over 1,000 annotated methods: a cold run, and a re-run after an unrelated edit.</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class GeneratorBenchmarks
{
    private CSharpCompilation _compilation = null!;
    private CSharpCompilation _edited = null!;
    private GeneratorDriver _warm = null!;

    [GlobalSetup]
    public void Setup()
    {
        _compilation = LargeCompilation.Create();
        _edited = _compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Other; public class Unrelated { public int X => 1; }", LargeCompilation.ParseOptions));
        _warm = NewDriver().RunGenerators(_compilation);
        int generated = _warm.GetRunResult().GeneratedTrees.Length;
        if (generated != (LargeCompilation.Services * LargeCompilation.MethodsPerService) + 1)
        {
            throw new InvalidOperationException($"Expected 1,001 generated files, got {generated}.");
        }
    }

    [Benchmark(Description = "first run, 1,000 methods")]
    public GeneratorDriver FirstRun() => NewDriver().RunGenerators(_compilation);

    [Benchmark(Description = "re-run after an unrelated edit")]
    public GeneratorDriver IncrementalRun() => _warm.RunGenerators(_edited);

    private static GeneratorDriver NewDriver() =>
        CSharpGeneratorDriver.Create([new CacheGenGenerator().AsSourceGenerator()], parseOptions: LargeCompilation.ParseOptions);
}
