using System.Collections.Immutable;
using System.Diagnostics;
using System.Reflection;
using System.Text;
using CacheGen.Analyzers;
using CacheGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

// Usage: dotnet run -c Release --project benchmarks/CacheGen.BuildCost -- SOURCES_DIR [passes]
// SOURCES_DIR: what `scripts/build-cost.sh --sources DIR` writes (30 services, 300 annotated methods, 300 log methods).
// Each pass builds a fresh compilation of those sources (which include 30 classes of 10 [LoggerMessage] methods for
// the framework's logging generator, the reference), runs every generator in one driver as a build does, then the
// CacheGen analyzers and the ASP.NET Core analyzers over the generated compilation with execution times logged.
// Pass 1 pays JIT like a command-line build without the compiler server; later passes are warm.
string sources = args.Length > 0 ? args[0] : throw new ArgumentException("usage: SOURCES_DIR [passes]");
int passes = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 6;

// .../dotnet/shared/Microsoft.NETCore.App/VERSION/System.Private.CoreLib.dll
string dotnetRoot = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
string Pack(string name) => Directory.GetDirectories(Path.Combine(dotnetRoot, "packs", name)).OrderBy(d => d, StringComparer.Ordinal).Last();
string netcore = Pack("Microsoft.NETCore.App.Ref");
string aspnet = Pack("Microsoft.AspNetCore.App.Ref");

var references = Directory.GetFiles(Path.Combine(netcore, "ref", "net10.0"), "*.dll")
    .Concat(Directory.GetFiles(Path.Combine(aspnet, "ref", "net10.0"), "*.dll"))
    .Append(typeof(CacheGen.CachedAttribute).Assembly.Location)
    // the runtime's own package dependencies, as a PackageReference to CacheGen brings them
    .Concat(new[] { "MessagePack", "MessagePack.Annotations", "StackExchange.Redis", "Pipelines.Sockets.Unofficial", "Polly.Core" }
        .Select(n => Path.Combine(AppContext.BaseDirectory, n + ".dll")).Where(File.Exists))
    .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
    .ToImmutableArray();

// the framework's own generators and analyzers, as the Web SDK passes them to the compiler
var frameworkAnalyzerFiles = Directory.GetFiles(Path.Combine(netcore, "analyzers", "dotnet", "cs"), "*.dll")
    .Concat(Directory.GetFiles(Path.Combine(aspnet, "analyzers", "dotnet", "cs"), "*.dll"))
    .ToList();
var frameworkGenerators = new List<ISourceGenerator>();
var frameworkAnalyzers = new List<DiagnosticAnalyzer>();
// BUILDCOST_CACHEGEN_ONLY=1: no framework generators or analyzers (for JIT listings of CacheGen's own first pass)
bool cacheGenOnly = Environment.GetEnvironmentVariable("BUILDCOST_CACHEGEN_ONLY") == "1";
foreach (string file in cacheGenOnly ? [] : frameworkAnalyzerFiles)
{
    var reference = new Microsoft.CodeAnalysis.Diagnostics.AnalyzerFileReference(file, new Loader());
    frameworkGenerators.AddRange(reference.GetGenerators(LanguageNames.CSharp));
    frameworkAnalyzers.AddRange(reference.GetAnalyzers(LanguageNames.CSharp));
}

var parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
var trees = Directory.GetFiles(sources, "*.cs").OrderBy(f => f, StringComparer.Ordinal)
    .Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), parseOptions, path: f, encoding: Encoding.UTF8))
    .Append(CSharpSyntaxTree.ParseText(GlobalUsings, parseOptions, path: "GlobalUsings.g.cs"))
    .ToImmutableArray();

var cacheGenAnalyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new CachedMethodAnalyzer(), new NondeterministicCoreAnalyzer());
Console.WriteLine($"{trees.Length} trees, {references.Length} references, framework: {frameworkGenerators.Count} generators, {frameworkAnalyzers.Count} analyzers");
Console.WriteLine($"Roslyn {typeof(CSharpCompilation).Assembly.GetName().Version} from {typeof(CSharpCompilation).Assembly.Location}");
Console.WriteLine("pass  cachegen-gen  logging-gen  all-framework-gen  cachegen-an (CachedMethod / Nondet)  framework-an  wall");
for (int pass = 1; pass <= passes; pass++)
{
    var wall = Stopwatch.StartNew();
    var jit0 = (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());
    var compilation = CSharpCompilation.Create("BuildCost", trees, references,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
    var generators = frameworkGenerators.Prepend(new CacheGenGenerator().AsSourceGenerator()).ToList();
    GeneratorDriver driver = CSharpGeneratorDriver.Create(generators, parseOptions: parseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: false));
    driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
    var timing = driver.GetTimingInfo();
    var jit1 = (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());
    double cacheGen = 0, logging = 0, framework = 0;
    foreach (var g in timing.GeneratorTimes)
    {
        string name = g.Generator.GetGeneratorType().FullName ?? "";
        double s = g.ElapsedTime.TotalSeconds;
        if (name.StartsWith("CacheGen", StringComparison.Ordinal)) cacheGen += s;
        else
        {
            framework += s;
            if (name.Contains("LoggerMessage", StringComparison.Ordinal)) logging += s;
        }
    }

    if (pass == 1)
    {
        var run = driver.GetRunResult();
        Console.WriteLine($"  generated {run.GeneratedTrees.Length} files; generator diagnostics {generatorDiagnostics.Length}; errors after generation: {output.GetDiagnostics().Count(d => d.Severity == DiagnosticSeverity.Error)}");
        foreach (var error in output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Take(5))
        {
            Console.WriteLine("    " + error);
        }

        output = CSharpCompilation.Create("BuildCost", output.SyntaxTrees, references, (CSharpCompilationOptions)output.Options);
    }

    var all = cacheGenAnalyzers.AddRange(frameworkAnalyzers);
    var withAnalyzers = output.WithAnalyzers(all, new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), null, concurrentAnalysis: true, logAnalyzerExecutionTime: true, reportSuppressedDiagnostics: false));
    var diagnostics = withAnalyzers.GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
    double cachedMethod = withAnalyzers.GetAnalyzerTelemetryInfoAsync(cacheGenAnalyzers[0], default).GetAwaiter().GetResult().ExecutionTime.TotalSeconds;
    double nondet = withAnalyzers.GetAnalyzerTelemetryInfoAsync(cacheGenAnalyzers[1], default).GetAwaiter().GetResult().ExecutionTime.TotalSeconds;
    var jit2 = (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());
    double frameworkAn = 0;
    foreach (var a in frameworkAnalyzers)
    {
        frameworkAn += withAnalyzers.GetAnalyzerTelemetryInfoAsync(a, default).GetAwaiter().GetResult().ExecutionTime.TotalSeconds;
    }

    Console.WriteLine($"{pass,4}  {cacheGen,12:F3}  {logging,11:F3}  {framework,17:F3}  {cachedMethod + nondet,11:F3} ({cachedMethod:F3} / {nondet:F3})  {frameworkAn,12:F3}  {wall.Elapsed.TotalSeconds,5:F2}  jit gen {jit1.Item1 - jit0.Item1} methods {(jit1.Item2 - jit0.Item2).TotalSeconds:F2} s, an {jit2.Item1 - jit1.Item1} methods {(jit2.Item2 - jit1.Item2).TotalSeconds:F2} s"
        + (pass == 1 ? $"   [{diagnostics.Count(d => d.Id.StartsWith("CGEN", StringComparison.Ordinal))} CGEN diagnostics: {string.Join(",", diagnostics.Where(d => d.Id.StartsWith("CGEN", StringComparison.Ordinal)).Select(d => d.Id).Distinct())}]" : ""));
}

public partial class Program
{
    // what the Web SDK's ImplicitUsings writes
    private const string GlobalUsings = """
        global using global::Microsoft.AspNetCore.Builder;
        global using global::Microsoft.AspNetCore.Hosting;
        global using global::Microsoft.AspNetCore.Http;
        global using global::Microsoft.AspNetCore.Routing;
        global using global::Microsoft.Extensions.Configuration;
        global using global::Microsoft.Extensions.DependencyInjection;
        global using global::Microsoft.Extensions.Hosting;
        global using global::Microsoft.Extensions.Logging;
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Net.Http.Json;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    private sealed class Loader : IAnalyzerAssemblyLoader
    {
        public void AddDependencyLocation(string fullPath) { }

        public Assembly LoadFromPath(string fullPath) => Assembly.LoadFrom(fullPath);
    }
}
