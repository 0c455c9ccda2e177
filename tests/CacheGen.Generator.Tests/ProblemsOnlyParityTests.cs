using CacheGen.Generator.Model;
using CacheGen.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace CacheGen.Generator.Tests;

/// <summary>
/// The analyzers run the Parser in its problems-only mode (no display strings, hashes, fingerprint or formatter graph),
/// the generator in full: both must find exactly the same problems and the same cache uses for every method, or the
/// analyzers would report something the generator's analysis does not (or miss something it finds).
/// </summary>
public sealed class ProblemsOnlyParityTests
{
    // every family of problem the Parser finds, and methods that have none
    private const string Source = """
        using System;
        using System.Collections.Generic;
        using System.Collections.Immutable;
        using System.IO;
        using System.Threading;
        using System.Threading.Tasks;
        using CacheGen;

        namespace Parity;

        public sealed record Line(string Sku, int Quantity);
        public sealed record Order(Guid Id, ImmutableArray<Line> Lines, DateTimeOffset At);
        public class MutableDto { public string? Name { get; set; } public List<int> Values { get; set; } = new(); }
        public class Base { public int A { get; set; } }
        public sealed class Derived : Base { public int B { get; set; } }
        public interface IShape { }
        public sealed class GetOnly { public int Value { get; } }
        public sealed record Query(int SiteId, string Region, int MaxResults);
        public sealed record Credentials(string User, string ClientSecret);
        public enum Kind { A, B }
        public sealed class Money : IFormattable { public string ToString(string? f, IFormatProvider? p) => ""; }
        public sealed class NotAFormatter { }
        public sealed class Node { public Node Next { get; set; } = null!; }

        public sealed partial class Shop(ICacheClient cache)
        {
            [Cached("orders", 300, Key = "order:{id}", Tags = ["order:{id}"])]
            public partial Task<Order> GetOrderAsync(Guid id, CancellationToken ct = default);
            private Task<Order> GetOrderAsyncCore(Guid id, CancellationToken ct) => Task.FromResult(new Order(id, ImmutableArray<Line>.Empty, default));

            [Cached("dto", 60)]
            public partial MutableDto GetDto(int id, Kind kind, DateOnly day);
            private MutableDto GetDtoCore(int id, Kind kind, DateOnly day) => new();

            [Cached("base", 60)]
            public partial Base GetBase(int id);
            private Base GetBaseCore(int id) => new();

            [Cached("shape", 60)]
            public partial IShape GetShape(int id);
            private IShape GetShapeCore(int id) => null!;

            [Cached("getonly", 60)]
            public partial GetOnly GetGetOnly(int id);
            private GetOnly GetGetOnlyCore(int id) => new();

            [Cached("stream", 60)]
            public partial Stream GetStream(int id);
            private Stream GetStreamCore(int id) => Stream.Null;

            [Cached("node", 60)]
            public partial Node GetNode(int id);
            private Node GetNodeCore(int id) => new();

            [Cached("query", 60, Key = "site:{query.SiteId}")]
            public partial Task<IReadOnlyList<Line>> SearchAsync(Query query);
            private Task<IReadOnlyList<Line>> SearchAsyncCore(Query query) => Task.FromResult<IReadOnlyList<Line>>(new List<Line>());

            [Cached("secret", 60, Key = "c:{creds.ClientSecret}:{password}")]
            public partial int Login(Credentials creds, string password, int extra);
            private int LoginCore(Credentials creds, string password, int extra) => 0;

            [Cached("money", 60)]
            public partial string Price(Money amount);
            private string PriceCore(Money amount) => "";

            [Cached("Bad Namespace", 0, Key = "x:{id}:{")]
            public partial int Broken(int id);
            private int BrokenCore(int id) => 0;

            [Cached("long", 99999999)]
            public partial int Long(object key);
            private int LongCore(object key) => 0;

            [Cached("custom", 60, Serializer = typeof(NotAFormatter))]
            public partial int Custom(int id);
            private int CustomCore(int id) => 0;

            [Cached("nocore", 60)]
            public partial int NoCore(int id);

            [Cached("void", 60)]
            public partial void Nothing(int id);
            private void NothingCore(int id) { }

            [Cached("both", 60)]
            [InvalidatesCache("orders")]
            public partial int Both(int id);
            private int BothCore(int id) => 0;

            [Cached("over", 60)]
            public partial int Over(int id);
            private int OverCore(int id) => 0;

            [Cached("over2", 60)]
            public partial int Over(string id);
            private int OverCore(string id) => 0;

            [InvalidatesCache("orders", Key = "order:{id}")]
            [InvalidatesCache(Tags = ["order:{id}", "nothing:{id}"])]
            public partial Task UpdateAsync(Guid id);
            private Task UpdateAsyncCore(Guid id) => Task.CompletedTask;

            [InvalidatesCache(Key = "x:{id}")]
            [InvalidatesCache]
            [InvalidatesCache("unknown", Key = "y:{id}")]
            public partial void Clear(int id);
            private void ClearCore(int id) { }
        }

        public sealed partial class Generic<T>(ICacheClient cache)
        {
            [Cached("lookup", 60, Key = "item:{id}")]
            public partial int Get(int id);
            private int GetCore(int id) => 0;

            [Cached("typed", 60)]
            public partial T GetT(int id);
            private T GetTCore(int id) => default!;

            [InvalidatesCache("lookup", Key = "item:{id}")]
            public partial void Remove(int id);
            private void RemoveCore(int id) { }
        }

        public sealed partial class NoClient
        {
            [Cached("noclient", 60)]
            public partial int Get(int id);
            private int GetCore(int id) => 0;

            [Cached("ref", 60)]
            public partial int ByRef(ref int id);
            private int ByRefCore(ref int id) => 0;
        }
        """;

    [Fact]
    public void ProblemsOnlyFindsTheSameProblemsAndUsesAsTheFullAnalysis()
    {
        var compilation = GeneratorHarness.Compile(Source);
        int methods = 0;
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tree in compilation.SyntaxTrees)
        {
            var model = compilation.GetSemanticModel(tree);
            foreach (var declaration in tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax>())
            {
                if (model.GetDeclaredSymbol(declaration) is not IMethodSymbol method || !method.IsPartialDefinition)
                {
                    continue;
                }

                var attributes = method.GetAttributes();
                var cached = attributes.FirstOrDefault(a => a.AttributeClass?.Name == "CachedAttribute");
                var invalidations = attributes.Where(a => a.AttributeClass?.Name == "InvalidatesCacheAttribute").ToList();
                var pairs = new List<(MethodAnalysis Full, MethodAnalysis ProblemsOnly)>();
                if (cached is not null)
                {
                    pairs.Add((CacheGenGenerator.Parser.AnalyzeCached(method, cached, compilation, default),
                        CacheGenGenerator.Parser.AnalyzeCached(method, cached, compilation, default, problemsOnly: true)));
                }

                if (invalidations.Count > 0)
                {
                    pairs.Add((CacheGenGenerator.Parser.AnalyzeInvalidating(method, invalidations, default),
                        CacheGenGenerator.Parser.AnalyzeInvalidating(method, invalidations, default, problemsOnly: true)));
                }

                foreach (var (full, problemsOnly) in pairs)
                {
                    methods++;
                    Assert.Equal(full.Diagnostics, problemsOnly.Diagnostics);
                    Assert.Equal(full.Uses, problemsOnly.Uses);
                    ids.UnionWith(full.Diagnostics.Select(d => d.Id));
                }
            }
        }

        Assert.Equal(26, methods);
        // not vacuous: the source reaches the value walk's refusals, the immutability proof, keys, secrets and invalidations
        var expected = new[] { "CGEN003", "CGEN004", "CGEN006", "CGEN007", "CGEN008", "CGEN009", "CGEN010", "CGEN011", "CGEN012", "CGEN014", "CGEN016", "CGEN017", "CGEN025", "CGEN026", "CGEN027", "CGEN028", "CGEN030", "CGEN040" };
        Assert.Equal(string.Empty, string.Join(",", expected.Where(id => !ids.Contains(id))));
    }
}
