using System.Collections;
using System.Reflection;
using CacheGen.Generator.Helpers;
using CacheGen.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CacheGen.Generator.Tests;

/// <summary>The generator must stay incremental: unrelated edits and Core-body edits regenerate nothing.</summary>
public sealed class IncrementalTests
{
    private const string Service = """
        using System.Threading;
        using System.Threading.Tasks;
        using CacheGen;

        namespace Demo;

        public sealed record Report(int Id);

        public sealed partial class ReportService(ICacheClient cache)
        {
            [Cached("reports", 60, Key = "report:{id}", Tags = ["report:{id}"])]
            public partial Task<Report> GetAsync(int id, CancellationToken ct = default);

            private Task<Report> GetAsyncCore(int id, CancellationToken ct) => Task.FromResult(new Report(id));

            [InvalidatesCache("reports", Key = "report:{id}")]
            public partial Task DeleteAsync(int id);

            private Task DeleteAsyncCore(int id) => Task.CompletedTask;
        }
        """;

    private static readonly string[] s_trackedSteps = [TrackingNames.CachedMethods, TrackingNames.InvalidatingMethods, TrackingNames.Catalog, TrackingNames.ValueFormatters];

    [Fact]
    public void UnrelatedEdit_LeavesEveryOutputCached()
    {
        // arrange
        var (driver, compilation) = RunOnce(Service);

        // act: add an unrelated file
        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Other; public class Unrelated { public int X => 1; }", GeneratorHarness.ParseOptions));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        // assert
        foreach (string step in s_trackedSteps)
        {
            Assert.All(result.TrackedSteps[step].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
        }

        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void RerunOnClone_LeavesEveryOutputCachedOrUnchanged()
    {
        var (driver, compilation) = RunOnce(Service);

        var result = driver.RunGenerators(compilation.Clone()).GetRunResult().Results.Single();

        Assert.All(
            result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
    }

    [Fact]
    public void CoreBodyEdit_RegeneratesNoOutput()
    {
        var (driver, compilation) = RunOnce(Service);

        var edited = ReplaceSource(compilation, Service.Replace("Task.FromResult(new Report(id))", "Task.FromResult(new Report(id + 1))"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        // the method's spec is recomputed (its file changed) but equals the old one
        Assert.All(result.TrackedSteps[TrackingNames.CachedMethods].SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
    }

    [Fact]
    public void CachedSignatureEdit_RegeneratesThatMethod()
    {
        var (driver, compilation) = RunOnce(Service);

        var edited = ReplaceSource(compilation, Service.Replace("[Cached(\"reports\", 60,", "[Cached(\"reports\", 120,"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Contains(result.TrackedSteps[TrackingNames.CachedMethods].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("120", result.GeneratedSources.Single(s => s.HintName == "Demo.ReportService.GetAsync.g.cs").SourceText.ToString());
    }

    [Fact]
    public void StepOutputs_HoldNoSymbolsOrSyntax()
    {
        var (driver, _) = RunOnce(Service);
        var result = driver.GetRunResult().Results.Single();

        foreach (string step in s_trackedSteps)
        {
            foreach (var output in result.TrackedSteps[step].SelectMany(s => s.Outputs))
            {
                AssertNoRoslynObjects(output.Value, 0);
            }
        }
    }

    private static (GeneratorDriver Driver, Compilation Compilation) RunOnce(string source)
    {
        var compilation = GeneratorHarness.Compile(source);
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        Assert.Equal(4, driver.GetRunResult().GeneratedTrees.Length);
        return (driver, compilation);
    }

    private static Compilation ReplaceSource(Compilation compilation, string source)
    {
        var old = compilation.SyntaxTrees.Single();
        return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions, path: old.FilePath));
    }

    /// <summary>Walks a model's object graph and fails on anything that would root a compilation.</summary>
    private static void AssertNoRoslynObjects(object? value, int depth)
    {
        if (value is null || depth > 12 || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum)
        {
            return;
        }

        Assert.False(value is ISymbol or Compilation or SyntaxNode or SyntaxTree or Location or SemanticModel, $"A pipeline model holds a {value.GetType().Name}.");
        if (value is IEnumerable items)
        {
            foreach (object? item in items)
            {
                AssertNoRoslynObjects(item, depth + 1);
            }
        }

        foreach (var field in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            AssertNoRoslynObjects(field.GetValue(value), depth + 1);
        }
    }
}
