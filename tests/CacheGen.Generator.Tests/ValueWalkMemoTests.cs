using CacheGen.Generator.Model;
using CacheGen.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace CacheGen.Generator.Tests;

/// <summary>
/// The value walk of an object type is reused within a compilation (ValueWalker.Memo.cs): every method's analysis
/// must be exactly what it is when that method is analyzed alone, whichever methods were analyzed before it, in both
/// the generator's and the analyzers' mode. The cycles are the cases where a walk depends on where it starts.
/// </summary>
public sealed class ValueWalkMemoTests
{
    private const string Source = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using CacheGen;

        namespace Memo;

        public sealed record Hit(int Id, string Title);
        public sealed record Report(int Rack, Hit Top, IReadOnlyList<Hit> Others);
        public sealed class Mutable { public Hit? Last { get; set; } }

        // A -> B (open) -> D -> A, all non-nullable: A's own walk fails (it refers back to A), B's and D's succeed
        public sealed class A { public B Item { get; set; } = null!; }
        public abstract class B { }
        public sealed class D : B { public A Owner { get; set; } = null!; }

        // a cycle through a nullable member: fine from either end
        public sealed class Node { public Node? Next { get; set; } public Hit Value { get; set; } = null!; }

        public sealed partial class Service(ICacheClient cache)
        {
            [Cached("b", 60)] public partial B GetB(int id);
            private B GetBCore(int id) => null!;
            [Cached("a", 60)] public partial A GetA(int id);
            private A GetACore(int id) => null!;
            [Cached("d", 60)] public partial D GetD(int id);
            private D GetDCore(int id) => null!;
            [Cached("hit", 60)] public partial Task<Hit> GetHitAsync(int id, CancellationToken ct = default);
            private Task<Hit> GetHitAsyncCore(int id, CancellationToken ct) => null!;
            [Cached("hits", 60)] public partial Task<List<Hit>> ListAsync(int page);
            private Task<List<Hit>> ListAsyncCore(int page) => null!;
            [Cached("array", 60)] public partial Hit[] Array(int page);
            private Hit[] ArrayCore(int page) => null!;
            [Cached("maybe", 60)] public partial Hit? Maybe(Guid id);
            private Hit? MaybeCore(Guid id) => null;
            [Cached("report", 60)] public partial Report GetReport(int rack);
            private Report GetReportCore(int rack) => null!;
            [Cached("mutable", 60)] public partial Mutable GetMutable(int id);
            private Mutable GetMutableCore(int id) => null!;
            [Cached("node", 60)] public partial Node GetNode(int id);
            private Node GetNodeCore(int id) => null!;
            [Cached("nodes", 60)] public partial IReadOnlyList<Node> GetNodes(int id);
            private IReadOnlyList<Node> GetNodesCore(int id) => null!;
        }
        """;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EachAnalysisIsTheSameAloneAndAfterAnyOtherMethods(bool problemsOnly)
    {
        var names = Methods(GeneratorHarness.Compile(Source)).Select(m => m.Method.Name).ToList();
        Assert.Equal(11, names.Count);

        // alone: a fresh compilation (so an empty memo) per method
        var alone = new Dictionary<string, MethodAnalysis>(StringComparer.Ordinal);
        foreach (string name in names)
        {
            var (method, attribute, compilation) = Methods(GeneratorHarness.Compile(Source)).Single(m => m.Method.Name == name);
            alone[name] = CacheGenGenerator.Parser.AnalyzeCached(method, attribute, compilation, default, problemsOnly);
        }

        // not vacuous: the cycle A -> B -> D -> A fails from A (it refers back to A), and not from B or D (both end at an
        // open type's case, reached through its base)
        Assert.Contains(alone["GetA"].Diagnostics, d => d.Id == "CGEN025");
        Assert.DoesNotContain(alone["GetB"].Diagnostics, d => d.Id == "CGEN025");
        Assert.DoesNotContain(alone["GetD"].Diagnostics, d => d.Id == "CGEN025");
        Assert.DoesNotContain(alone["GetReport"].Diagnostics, d => d.Id == "CGEN025");

        foreach (bool reverse in new[] { false, true })
        {
            var methods = Methods(GeneratorHarness.Compile(Source)).ToList();
            if (reverse)
            {
                methods.Reverse();
            }

            foreach (var (method, attribute, compilation) in methods)
            {
                var analysis = CacheGenGenerator.Parser.AnalyzeCached(method, attribute, compilation, default, problemsOnly);
                Assert.Equal(alone[method.Name].Diagnostics, analysis.Diagnostics);
                Assert.Equal(alone[method.Name].Uses, analysis.Uses);
                Assert.Equal(alone[method.Name].Spec, analysis.Spec);
            }
        }
    }

    private static IEnumerable<(IMethodSymbol Method, AttributeData Attribute, Compilation Compilation)> Methods(Compilation compilation)
    {
        foreach (var tree in compilation.SyntaxTrees)
        {
            var model = compilation.GetSemanticModel(tree);
            foreach (var declaration in tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax>())
            {
                if (model.GetDeclaredSymbol(declaration) is IMethodSymbol { IsPartialDefinition: true } method
                    && method.GetAttributes().FirstOrDefault(a => a.AttributeClass?.Name == "CachedAttribute") is { } cached)
                {
                    yield return (method, cached, compilation);
                }
            }
        }
    }
}
