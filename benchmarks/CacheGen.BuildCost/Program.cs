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
var loggingGenerator = frameworkGenerators.FirstOrDefault(g => g.GetGeneratorType().FullName!.Contains("LoggerMessage", StringComparison.Ordinal));
Console.WriteLine($"{trees.Length} trees, {references.Length} references, framework: {frameworkGenerators.Count} generators, {frameworkAnalyzers.Count} analyzers");
Console.WriteLine($"Roslyn {typeof(CSharpCompilation).Assembly.GetName().Version} from {typeof(CSharpCompilation).Assembly.Location}");
Console.WriteLine("Each phase on a fresh compilation. Generators: cpu = CPU time of the thread that runs the driver (the generator's work,");
Console.WriteLine("its first-call JIT and the GCs it triggers; not other processes' load), wall = the driver's timing. Analyzers: cpu = process");
Console.WriteLine("CPU (includes the compiler binding every method), telemetry = the analyzer callbacks' time as ReportAnalyzer shows it.");
Console.WriteLine("an own cpu / MB = process CPU seconds / MB allocated by the CacheGen analyzers minus those of a no-op analyzer registering the same");
Console.WriteLine("kinds of actions over the same compilation (CompilationWithAnalyzers re-binds the compilation: that binding is in both; the MB are");
Console.WriteLine("deterministic, the CPU is not). gen MB = bytes the CacheGen generator's driver run allocated.");
Console.WriteLine("pass | logging gen cpu/wall | CacheGen gen cpu/wall  jit    MB | CacheGen an cpu / telemetry (CachedMethod, Nondet)  jit | an own cpu / MB | framework an telemetry | gen ratio cpu");
var counts = new List<string>();
// BUILDCOST_METER=1: after each pass's analyzer run, the CacheGen analyzers once more over the same generated compilation,
// every callback metered (calls, bytes allocated on its thread, that thread's CPU): where an analyzer run spends its work
bool metered = Environment.GetEnvironmentVariable("BUILDCOST_METER") == "1";
var meter = new Meter();
var meterLines = new List<string>();
var lastDiagnostics = ImmutableArray<Diagnostic>.Empty;
for (int pass = 1; pass <= passes; pass++)
{
    // the reference first, so the incremental driver's own first-use JIT is not charged to CacheGen
    var logJit = JitCounter.Start();
    long logAllocated = GC.GetAllocatedBytesForCurrentThread();
    var (logCpu, logWall, _, _) = loggingGenerator is null ? (0, 0, 0, null!) : RunGenerator(loggingGenerator);
    logAllocated = GC.GetAllocatedBytesForCurrentThread() - logAllocated;
    var logJitted = logJit.Stop();
    var genJit = JitCounter.Start();
    long genThreadAllocated = GC.GetAllocatedBytesForCurrentThread();
    long genAllocated = GC.GetTotalAllocatedBytes(precise: true);
    var (cgCpu, cgWall, cgJit, cgOutput) = RunGenerator(new CacheGenGenerator().AsSourceGenerator());
    double genMb = (GC.GetTotalAllocatedBytes(precise: true) - genAllocated) / 1e6;
    genThreadAllocated = GC.GetAllocatedBytesForCurrentThread() - genThreadAllocated;
    var genJitted = genJit.Stop();

    // BUILDCOST_DUMP=DIR: the files CacheGen generated in pass 1, written to DIR (for a diff between two versions)
    if (pass == 1 && Environment.GetEnvironmentVariable("BUILDCOST_DUMP") is { Length: > 0 } dump)
    {
        Directory.CreateDirectory(dump);
        foreach (var tree in cgOutput.SyntaxTrees.Where(t => !trees.Contains(t)))
        {
            File.WriteAllText(Path.Combine(dump, Path.GetFileName(tree.FilePath)), tree.ToString());
        }
    }

    // the analyzers see what a build gives them: the compilation with every generator's output, already bound
    var fullDriver = CSharpGeneratorDriver.Create(frameworkGenerators.Prepend(new CacheGenGenerator().AsSourceGenerator()), parseOptions: parseOptions);
    fullDriver.RunGeneratorsAndUpdateCompilation(NewCompilation(), out var output, out _);
    int errors = output.GetDiagnostics().Count(d => d.Severity == DiagnosticSeverity.Error);
    long allocated = GC.GetTotalAllocatedBytes(precise: true);
    var (baseCpu, _, _, _) = RunAnalyzers(output, ImmutableArray.Create<DiagnosticAnalyzer>(new NoOpAnalyzer()));
    long baseAllocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
    allocated = GC.GetTotalAllocatedBytes(precise: true);
    var anJitCounter = JitCounter.Start();
    var (anCpu, anJit, cgTimes, cgDiagnostics) = RunAnalyzers(output, cacheGenAnalyzers);
    var anJitted = anJitCounter.Stop();
    lastDiagnostics = cgDiagnostics;
    long anAllocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
    double anOwnMb = (anAllocated - baseAllocated) / 1e6;
    counts.Add(FormattableString.Invariant(
        $"{pass,4} | {logJitted.Methods,6} {logJitted.Ms,7:F0} {logAllocated,11:N0} | {genJitted.Methods,6} {genJitted.Ms,7:F0} {genThreadAllocated,11:N0} | {(double)genJitted.Methods / Math.Max(1, logJitted.Methods),5:F2} {(double)genThreadAllocated / Math.Max(1, logAllocated),5:F2} | {anJitted.Methods,6} {anJitted.Ms,7:F0} {anAllocated,11:N0} {baseAllocated,11:N0} {anAllocated - baseAllocated,11:N0}"));
    if (metered)
    {
        meter.Reset();
        var meteredJit = JitCounter.Start();
        RunAnalyzers(output, ImmutableArray.Create<DiagnosticAnalyzer>(new MeteredAnalyzer(new CachedMethodAnalyzer(), "CachedMethod", meter), new MeteredAnalyzer(new NondeterministicCoreAnalyzer(), "Nondeterministic", meter)));
        var meteredJitted = meteredJit.Stop();
        foreach (var pair in meter.Totals)
        {
            meterLines.Add(FormattableString.Invariant($"{pass,4} | {pair.Key,-40} {pair.Value.Calls,7} {pair.Value.Bytes,12:N0} {pair.Value.Cpu * 1000,9:F1}"));
        }

        meterLines.Add(FormattableString.Invariant($"{pass,4} | {"methods JIT-compiled during that run",-40} {meteredJitted.Methods,7} {"",12} {meteredJitted.Ms,9:F1} (jit ms)"));
    }

    var (_, _, fwTimes, _) = frameworkAnalyzers.Count == 0 ? (0, 0, new double[0], ImmutableArray<Diagnostic>.Empty) : RunAnalyzers(output, [.. frameworkAnalyzers]);
    Console.WriteLine($"{pass,4} | {logCpu,8:F3} / {logWall,6:F3}   | {cgCpu,8:F3} / {cgWall,6:F3}  {cgJit,5} {genMb,5:F1} | {anCpu,8:F3} / {cgTimes.Sum(),6:F3} ({cgTimes[0]:F3}, {cgTimes[1]:F3})  {anJit,5} | {anCpu - baseCpu,6:F3} / {anOwnMb,5:F1} | {fwTimes.Sum(),8:F3} | {(logCpu > 0 ? cgCpu / logCpu : 0),5:F2}"
        + (pass == 1 ? $"   [{errors} errors; {cgDiagnostics.Length} CacheGen diagnostics: {string.Join(",", cgDiagnostics.Select(d => d.Id).Distinct())}]" : ""));
}

// BUILDCOST_ANALYZER_LOOP=N: then the CacheGen analyzers alone N more times over the last generated compilation (each run on a
// fresh copy of it, as CompilationWithAnalyzers makes one: symbols bound anew), for a sampling profiler attached to this process
if (int.TryParse(Environment.GetEnvironmentVariable("BUILDCOST_ANALYZER_LOOP"), out int loops) && loops > 0)
{
    var fullDriver = CSharpGeneratorDriver.Create([new CacheGenGenerator().AsSourceGenerator()], parseOptions: parseOptions);
    fullDriver.RunGeneratorsAndUpdateCompilation(NewCompilation(), out var generated, out _);
    Console.WriteLine($"analyzer loop x{loops} (pid {Environment.ProcessId})");
    double start = ThreadCpu.Seconds();
    for (int i = 0; i < loops; i++)
    {
        RunAnalyzers(generated, cacheGenAnalyzers);
    }

    Console.WriteLine(FormattableString.Invariant($"analyzer loop done: {(ThreadCpu.Seconds() - start) / loops * 1000:F1} ms main-thread CPU per run"));
}

Console.WriteLine();
Console.WriteLine("Exact counts (the evidence on a loaded machine; timings above are not). jit = methods JIT-compiled in the process during the");
Console.WriteLine("phase (System.Runtime.JitInfo, all threads; with DOTNET_TieredCompilation=0, as scripts/build-cost.sh runs it, each method is");
Console.WriteLine("compiled once, so pass 1 counts the distinct methods a cold build first-touches; with tiering on, tier-1 rejits add to it),");
Console.WriteLine("jit ms = their JIT time. bytes = allocated on the driver's thread (generators: exact to ~0.1%) / in the process (analyzers:");
Console.WriteLine("CacheGen's run, a no-op analyzer's run over the same compilation, and the difference = CacheGen's own, which moves by 1-3 MB");
Console.WriteLine("between runs: both re-bind the compilation concurrently). Pass 1 is the cold build; the logging generator (300 methods) runs first.");
Console.WriteLine("pass | logging gen: jit  jit ms       bytes | CacheGen gen: jit  jit ms    bytes | ratio jit bytes | CacheGen an: jit  jit ms   bytes    no-op bytes   own bytes");
foreach (string line in counts)
{
    Console.WriteLine(line);
}

if (metered)
{
    Console.WriteLine();
    Console.WriteLine("CacheGen analyzers, metered run per pass (bytes allocated on the callback's thread, exact; that thread's CPU ms, includes the");
    Console.WriteLine("symbol binding the callback triggers first):");
    Console.WriteLine("pass | callback                                   calls        bytes    cpu ms");
    foreach (string line in meterLines)
    {
        Console.WriteLine(line);
    }
}

// The compiler's analyzer driver drops an analyzer's diagnostics inside generated code unless the analyzer reports
// there itself (GeneratedCodeAnalysisFlags.ReportDiagnostics): for each tree that gets a diagnostic it checks the file,
// its header and #line directives, and walks every token of the tree for a GeneratedCode attribute. The walk is modelled
// here on the trees CacheGen's analyzers report in (CGEN040 Info on arrays and lists, CGEN018), on this thread.
var reportedTrees = lastDiagnostics.Select(d => d.Location.SourceTree).Where(t => t is not null).Distinct().ToList();
long tokens = 0;
var walks = new List<double>();
for (int i = 0; i < 21; i++)
{
    double start = ThreadCpu.Seconds();
    tokens = 0;
    foreach (var tree in reportedTrees)
    {
        foreach (var token in tree!.GetRoot().DescendantTokens(descendIntoTrivia: false))
        {
            tokens++;
            if (token.RawKind == (int)SyntaxKind.IdentifierToken && (token.ValueText == "GeneratedCode" || token.ValueText == "GeneratedCodeAttribute"))
            {
                tokens += 0;
            }
        }
    }

    walks.Add(ThreadCpu.Seconds() - start);
}

walks.Sort();
Console.WriteLine(FormattableString.Invariant($"driver's generated-code scan of the trees CacheGen reports in: {lastDiagnostics.Length} diagnostics in {reportedTrees.Count} trees, {tokens:N0} tokens, {walks[walks.Count / 2] * 1000:F1} ms thread CPU per build (median of 21 walks, warm)"));

CSharpCompilation NewCompilation() => CSharpCompilation.Create("BuildCost", trees, references,
    new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

(double Cpu, double Wall, long Jit, Compilation Output) RunGenerator(ISourceGenerator generator)
{
    var compilation = NewCompilation();
    GeneratorDriver driver = CSharpGeneratorDriver.Create([generator], parseOptions: parseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: false));
    long jit = System.Runtime.JitInfo.GetCompiledMethodCount();
    double thread = ThreadCpu.Seconds();
    bool isCacheGen = generator.GetGeneratorType() == typeof(CacheGenGenerator);
    if (isCacheGen) Marks.CacheGenStart(); else Marks.GeneratorsStart();
    driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
    if (isCacheGen) Marks.CacheGenEnd(); else Marks.GeneratorsEnd();
    double cpuSeconds = ThreadCpu.Seconds() - thread;
    return (cpuSeconds, driver.GetTimingInfo().ElapsedTime.TotalSeconds, System.Runtime.JitInfo.GetCompiledMethodCount() - jit, output);
}

(double Cpu, long Jit, double[] Times, ImmutableArray<Diagnostic> Diagnostics) RunAnalyzers(Compilation compilation, ImmutableArray<DiagnosticAnalyzer> analyzers)
{
    var withAnalyzers = compilation.WithAnalyzers(analyzers, new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), null, concurrentAnalysis: false, logAnalyzerExecutionTime: true, reportSuppressedDiagnostics: false));
    long jit = System.Runtime.JitInfo.GetCompiledMethodCount();
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    Marks.AnalyzersStart();
    var diagnostics = withAnalyzers.GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
    Marks.AnalyzersEnd();
    double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
    var times = analyzers.Select(a => withAnalyzers.GetAnalyzerTelemetryInfoAsync(a, default).GetAwaiter().GetResult().ExecutionTime.TotalSeconds).ToArray();
    return (cpuSeconds, System.Runtime.JitInfo.GetCompiledMethodCount() - jit, times, diagnostics);
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

// the baseline of the analyzers' CPU: the same kinds of actions (methods' symbols, operation blocks), doing nothing
[DiagnosticAnalyzer(LanguageNames.CSharp)]
internal sealed class NoOpAnalyzer : DiagnosticAnalyzer
{
    private static readonly DiagnosticDescriptor s_never = new("NOOP001", "never", "never", "none", DiagnosticSeverity.Hidden, isEnabledByDefault: true);

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => [s_never];

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze);
        context.RegisterCompilationStartAction(start =>
        {
            start.RegisterSymbolAction(_ => { }, SymbolKind.Method);
            start.RegisterOperationBlockStartAction(_ => { });
        });
    }
}

// with DOTNET_JitStdOutFile + DOTNET_JitDisasmSummary=1, these appear once in the JIT listing and split it by phase
internal static class Marks
{
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    public static void GeneratorsStart() { }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    public static void GeneratorsEnd() { }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    public static void CacheGenStart() { }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    public static void CacheGenEnd() { }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    public static void AnalyzersStart() { }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    public static void AnalyzersEnd() { }
}

// JIT'd methods and JIT time on the calling thread between Start and Stop (background tier-1 rejits are on other threads)
internal readonly struct JitCounter
{
    private readonly long _methods;
    private readonly TimeSpan _time;

    private JitCounter(long methods, TimeSpan time)
    {
        _methods = methods;
        _time = time;
    }

    public static JitCounter Start() => new(System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false), System.Runtime.JitInfo.GetCompilationTime(currentThread: false));

    public (long Methods, double Ms) Stop() =>
        (System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false) - _methods, (System.Runtime.JitInfo.GetCompilationTime(currentThread: false) - _time).TotalMilliseconds);
}

// CPU time of the calling thread (Linux clock_gettime(CLOCK_THREAD_CPUTIME_ID)): robust to other processes' load
internal static class ThreadCpu
{
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out Timespec value);

    public static double Seconds() => ClockGetTime(3, out var t) == 0 ? t.Seconds + (t.Nanoseconds / 1e9) : double.NaN;

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}

// Exact per-callback costs of an analyzer: wraps what it registers (the kinds CacheGen's analyzers use) and adds, per
// callback kind, the calls, the bytes allocated on the calling thread (exact) and that thread's CPU time. What a callback
// pays includes the symbol binding it triggers first (attributes, members: work the compiler would do anyway).
internal sealed class Meter
{
    private readonly Dictionary<string, (long Calls, long Bytes, double Cpu)> _totals = new(StringComparer.Ordinal);

    public IEnumerable<KeyValuePair<string, (long Calls, long Bytes, double Cpu)>> Totals
    {
        get
        {
            lock (_totals)
            {
                return _totals.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
            }
        }
    }

    public void Reset()
    {
        lock (_totals)
        {
            _totals.Clear();
        }
    }

    public Action<T> Wrap<T>(string kind, Action<T> action) => argument =>
    {
        long bytes = GC.GetAllocatedBytesForCurrentThread();
        double cpu = ThreadCpu.Seconds();
        try
        {
            action(argument);
        }
        finally
        {
            double spent = ThreadCpu.Seconds() - cpu;
            bytes = GC.GetAllocatedBytesForCurrentThread() - bytes;
            lock (_totals)
            {
                _totals.TryGetValue(kind, out var total);
                _totals[kind] = (total.Calls + 1, total.Bytes + bytes, total.Cpu + spent);
            }
        }
    };
}

[DiagnosticAnalyzer(LanguageNames.CSharp)]
internal sealed class MeteredAnalyzer(DiagnosticAnalyzer inner, string name, Meter meter) : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => inner.SupportedDiagnostics;

    public override void Initialize(AnalysisContext context) => inner.Initialize(new Context(context, name, meter));

    private sealed class Context(AnalysisContext inner, string name, Meter meter) : AnalysisContext
    {
        public override void ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags analysisMode) => inner.ConfigureGeneratedCodeAnalysis(analysisMode);

        public override void EnableConcurrentExecution() => inner.EnableConcurrentExecution();

        public override void RegisterCompilationStartAction(Action<CompilationStartAnalysisContext> action) =>
            inner.RegisterCompilationStartAction(meter.Wrap<CompilationStartAnalysisContext>(name + " compilation start", start => action(new Start(start, name, meter))));

        public override void RegisterOperationBlockStartAction(Action<OperationBlockStartAnalysisContext> action) =>
            inner.RegisterOperationBlockStartAction(meter.Wrap<OperationBlockStartAnalysisContext>(name + " operation block start", start => action(new BlockStart(start, name, meter))));

        public override void RegisterCompilationAction(Action<CompilationAnalysisContext> action) => throw new NotSupportedException();

        public override void RegisterSemanticModelAction(Action<SemanticModelAnalysisContext> action) => throw new NotSupportedException();

        public override void RegisterSymbolAction(Action<SymbolAnalysisContext> action, ImmutableArray<SymbolKind> symbolKinds) => throw new NotSupportedException();

        public override void RegisterCodeBlockStartAction<TLanguageKindEnum>(Action<CodeBlockStartAnalysisContext<TLanguageKindEnum>> action) => throw new NotSupportedException();

        public override void RegisterCodeBlockAction(Action<CodeBlockAnalysisContext> action) => throw new NotSupportedException();

        public override void RegisterSyntaxTreeAction(Action<SyntaxTreeAnalysisContext> action) => throw new NotSupportedException();

        public override void RegisterSyntaxNodeAction<TLanguageKindEnum>(Action<SyntaxNodeAnalysisContext> action, ImmutableArray<TLanguageKindEnum> syntaxKinds) => throw new NotSupportedException();
    }

    private sealed class Start(CompilationStartAnalysisContext inner, string name, Meter meter) : CompilationStartAnalysisContext(inner.Compilation, inner.Options, inner.CancellationToken)
    {
        public override void RegisterCompilationEndAction(Action<CompilationAnalysisContext> action) =>
            inner.RegisterCompilationEndAction(meter.Wrap(name + " compilation end", action));

        // split: the partial definitions (CacheGen's candidates; their attributes bound first, metered apart: the compiler binds
        // them anyway) and every other method (an early return)
        public override void RegisterSymbolAction(Action<SymbolAnalysisContext> action, ImmutableArray<SymbolKind> symbolKinds)
        {
            var others = meter.Wrap(name + " symbol, other methods", action);
            var candidates = meter.Wrap(name + " symbol, partial definitions", action);
            var bind = meter.Wrap<ISymbol>(name + "   (their GetAttributes, first)", symbol => symbol.GetAttributes());
            inner.RegisterSymbolAction(context =>
            {
                if (context.Symbol is IMethodSymbol { IsPartialDefinition: true })
                {
                    bind(context.Symbol);
                    candidates(context);
                }
                else
                {
                    others(context);
                }
            }, symbolKinds);
        }

        public override void RegisterSemanticModelAction(Action<SemanticModelAnalysisContext> action) => throw new NotSupportedException();

        public override void RegisterCodeBlockStartAction<TLanguageKindEnum>(Action<CodeBlockStartAnalysisContext<TLanguageKindEnum>> action) => throw new NotSupportedException();

        public override void RegisterCodeBlockAction(Action<CodeBlockAnalysisContext> action) => throw new NotSupportedException();

        public override void RegisterSyntaxTreeAction(Action<SyntaxTreeAnalysisContext> action) => throw new NotSupportedException();

        public override void RegisterSyntaxNodeAction<TLanguageKindEnum>(Action<SyntaxNodeAnalysisContext> action, ImmutableArray<TLanguageKindEnum> syntaxKinds) => throw new NotSupportedException();
    }

#pragma warning disable CS0618 // the context is only a forwarder; CacheGen's analyzers need no control-flow graph
    private sealed class BlockStart(OperationBlockStartAnalysisContext inner, string name, Meter meter)
        : OperationBlockStartAnalysisContext(inner.OperationBlocks, inner.OwningSymbol, inner.Compilation, inner.Options, inner.CancellationToken)
    {
        public override void RegisterOperationBlockEndAction(Action<OperationBlockAnalysisContext> action) => throw new NotSupportedException();

        public override void RegisterOperationAction(Action<OperationAnalysisContext> action, ImmutableArray<OperationKind> operationKinds) =>
            inner.RegisterOperationAction(meter.Wrap(name + " operation", action), operationKinds);
    }
#pragma warning restore CS0618
}
