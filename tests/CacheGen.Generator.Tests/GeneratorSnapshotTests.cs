using CacheGen.Generator.Tests.Infrastructure;

namespace CacheGen.Generator.Tests;

/// <summary>One snapshot per supported shape; every output must compile with nullable on and warnings as errors.</summary>
public sealed class GeneratorSnapshotTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using CacheGen;

        """;

    [Fact]
    public void TaskWithKeyTemplateAndTags_GeneratesWrapperAndInvalidator()
    {
        var sources = GeneratorHarness.Run(Usings + """
            namespace Demo;

            public sealed record ThermalReport(int RackId, double Celsius);
            public sealed record RackUpdate(double Celsius);

            public sealed partial class RackService(ICacheClient cache)
            {
                [Cached("thermal", 300, Key = "rack:{rackId}", Tags = ["rack:{rackId}"])]
                public partial Task<ThermalReport> GetThermalAnalysisAsync(int rackId, CancellationToken ct = default);

                private Task<ThermalReport> GetThermalAnalysisAsyncCore(int rackId, CancellationToken ct) => Task.FromResult(new ThermalReport(rackId, 21.5));

                [InvalidatesCache("thermal", Key = "rack:{rackId}")]
                [InvalidatesCache(Tags = ["rack:{rackId}"])]
                public partial Task UpdateRackAsync(int rackId, RackUpdate update, CancellationToken ct = default);

                private Task UpdateRackAsyncCore(int rackId, RackUpdate update, CancellationToken ct) => Task.CompletedTask;
            }
            """);

        VerifyAll(sources, ["Demo.RackService.GetThermalAnalysisAsync.g.cs", "Demo.RackService.UpdateRackAsync.g.cs"]);
        Snapshot.Verify(sources[CatalogHint], CatalogHint, nameof(GeneratorSnapshotTests));
    }

    [Fact]
    public void TagsNotFollowingTheKey_AndAParameterlessMethod_HitPathShapes()
    {
        // a tag read along a member path of a key parameter the key writes whole: not proven to follow the key, so
        // the descriptor has no TagsFollowKey (an L1 hit builds and compares the tags); a parameterless method's key is
        // its identity, written as a constant
        var sources = GeneratorHarness.Run(Usings + """
            namespace Demo;

            public sealed record Filter(string Site, int Floor);

            public sealed partial class RackService(ICacheClient cache)
            {
                [Cached("racks", 60, Tags = ["site:{filter.Site}", "racks"])]
                public partial ValueTask<int> CountAsync(Filter filter);

                private ValueTask<int> CountAsyncCore(Filter filter) => new(filter.Floor);

                [Cached("racks", 60)]
                public partial Task<int> CountAllAsync();

                private Task<int> CountAllAsyncCore() => Task.FromResult(1);

                [Cached("racks", 60, Key = "rack:{rackId}", Tags = ["rack:{rackId}"])]
                public partial int Floor(int rackId);

                private int FloorCore(int rackId) => rackId % 7;
            }
            """);

        VerifyAll(sources, ["Demo.RackService.CountAsync.g.cs", "Demo.RackService.CountAllAsync.g.cs", "Demo.RackService.Floor.g.cs"]);
    }

    [Fact]
    public void ValueTaskWithDefaultKey_WritesEveryKeyParameterInOrder()
    {
        var sources = GeneratorHarness.Run(Usings + """
            namespace Demo;

            public enum Region { North = 1, South = 2 }
            public readonly record struct Window(DateTimeOffset From, DateTimeOffset To);
            public sealed record Filter(Region Region, string? Name);
            public sealed record Hit(int Id);

            public sealed partial class SearchService
            {
                private readonly ICacheClient _cache;

                public SearchService(ICacheClient cache) => _cache = cache;

                [Cached("search", 3600)]
                public partial ValueTask<IReadOnlyList<Hit>> SearchAsync(string? query, CancellationToken ct, int? limit, Region region, Guid tenant, Window window, Filter? filter, List<string> labels, [NotCacheKey] string traceId);

                private ValueTask<IReadOnlyList<Hit>> SearchAsyncCore(string? query, CancellationToken ct, int? limit, Region region, Guid tenant, Window window, Filter? filter, List<string> labels, string traceId)
                    => new(new List<Hit>());
            }
            """);

        VerifyAll(sources, ["Demo.SearchService.SearchAsync.g.cs"]);
    }

    [Fact]
    public void SyncStaticMethod_UsesStaticClientAndBlockingPath()
    {
        var sources = GeneratorHarness.Run(Usings + """
            namespace Demo;

            public static partial class Pricing
            {
                public static ICacheClient Cache { get; set; } = null!;

                [Cached("pricing", 60)]
                public static partial decimal GetPrice(string sku);

                private static decimal GetPriceCore(string sku) => 9.99m;

                [InvalidatesCache("pricing")]
                public static partial void Reprice();

                private static void RepriceCore()
                {
                }
            }
            """);

        VerifyAll(sources, ["Demo.Pricing.GetPrice.g.cs", "Demo.Pricing.Reprice.g.cs"]);
    }

    [Fact]
    public void NestedGenericTypesAndGenericMethod_NameTypeArgumentsInKey()
    {
        var sources = GeneratorHarness.Run(Usings + """
            namespace Demo
            {
                public partial class Outer<TEntity>
                    where TEntity : class
                {
                    public partial record struct Repository(ICacheClient Cache)
                    {
                        [Cached("entities", 120)]
                        public partial Task<string?> FindAsync(long id);

                        private Task<string?> FindAsyncCore(long id) => Task.FromResult<string?>(null);

                        [Cached("entities", 120)]
                        public partial Task<int> ProjectAsync<TResult>(long id)
                            where TResult : class, new();

                        private Task<int> ProjectAsyncCore<TResult>(long id)
                            where TResult : class, new() => Task.FromResult(0);
                    }
                }
            }
            """);

        VerifyAll(sources, ["Demo.Outer_TEntity.Repository.FindAsync.g.cs", "Demo.Outer_TEntity.Repository.ProjectAsync.g.cs"]);
    }

    [Fact]
    public void Overloads_GetDistinctHintNamesAndIdentities()
    {
        var sources = GeneratorHarness.Run(Usings + """
            public partial class Catalog(ICacheClient cache)
            {
                [Cached("catalog", 60)]
                public partial string Find(int id);

                [Cached("catalog", 60)]
                public partial string Find(string name);

                private string FindCore(int id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);

                private string FindCore(string name) => name;
            }
            """);

        Assert.Equal(4, sources.Count);
        Assert.All(sources.Keys.Where(h => h != CatalogHint && h != FormattersHint), hint => Assert.Matches(@"^Catalog\.Find\.[0-9a-f]{8}\.g\.cs$", hint));
        var identities = sources.Where(s => s.Key != CatalogHint && s.Key != FormattersHint).Select(s => s.Value).Select(s => System.Text.RegularExpressions.Regex.Match(s, "\"Catalog\\.Find~[0-9a-f]{8}\"").Value).ToList();
        Assert.Equal(2, identities.Distinct().Count());
        Assert.DoesNotContain(string.Empty, identities);
    }

    [Fact]
    public void InvalidationShapes_RunCoreFirstThenInvalidate()
    {
        var sources = GeneratorHarness.Run(Usings + """
            namespace Demo;

            public sealed record Rack(int Id, string Site);

            public partial class Admin(ICacheClient cache)
            {
                [InvalidatesCache("thermal")]
                [InvalidatesCache("racks", Key = "site:{rack.Site}:rack:{rack.Id}")]
                public partial ValueTask<int> SaveAsync(Rack rack);

                private ValueTask<int> SaveAsyncCore(Rack rack) => new(rack.Id);

                [InvalidatesCache(Tags = ["site:{site}", "all"])]
                public partial ValueTask ClearSiteAsync(string site);

                private ValueTask ClearSiteAsyncCore(string site) => default;

                [InvalidatesCache("thermal")]
                public partial int Recalibrate();

                private int RecalibrateCore() => 1;
            }
            """);

        VerifyAll(sources, ["Demo.Admin.SaveAsync.g.cs", "Demo.Admin.ClearSiteAsync.g.cs", "Demo.Admin.Recalibrate.g.cs"]);
    }

    [Fact]
    public void MemberPathTemplate_UsesNullConditionalAccess()
    {
        var sources = GeneratorHarness.Run(Usings + """
            namespace Demo;

            public sealed class Query
            {
                public string? Region { get; init; }
                public int Page { get; init; }
            }

            public partial class Reports(ICacheClient cache)
            {
                [Cached("reports", 600, Key = "region:{query.Region}:page:{query.Page}", Version = "v2")]
                public partial Task<string> GetAsync(Query query, CancellationToken ct);

                private Task<string> GetAsyncCore(Query query, CancellationToken ct) => Task.FromResult("r");
            }
            """);

        VerifyAll(sources, ["Demo.Reports.GetAsync.g.cs"]);
    }

    [Fact]
    public void UnsupportedKeyParameter_GetsUncachedBodyThatCompiles()
    {
        var sources = GeneratorHarness.Run(Usings + """
            namespace Demo;

            public partial class Legacy
            {
                private ICacheClient Cache { get; } = null!;

                [Cached("legacy", 60)]
                public partial Task<string> GetAsync(object anything);

                private Task<string> GetAsyncCore(object anything) => Task.FromResult("x");
            }
            """);

        string body = sources["Demo.Legacy.GetAsync.g.cs"];
        Assert.Contains("return this.GetAsyncCore(anything);", body);
        Assert.DoesNotContain("GetOrSet", body);
    }

    [Fact]
    public void RecordKey_IncludesInheritedMembers()
    {
        var sources = GeneratorHarness.Run(Usings + """
            namespace Demo;

            public abstract record Animal(int Id);
            public sealed record Dog(int Id, string Name) : Animal(Id);

            public partial class Kennel(ICacheClient cache)
            {
                [Cached("dogs", 60)]
                public partial Task<string> DescribeAsync(Dog dog);

                private Task<string> DescribeAsyncCore(Dog dog) => Task.FromResult(dog.Name);
            }
            """);

        // two dogs that differ only in the inherited Id must not share an entry
        string body = sources["Demo.Kennel.DescribeAsync.g.cs"];
        Assert.Contains("__keyBuilder.Add(__v0.Id);", body);
        Assert.Contains("__keyBuilder.Add(__v0.Name);", body);
    }

    [Fact]
    public void InvalidAttributeParts_AreSkippedOneByOne_AndABadKeyFailsSafeToItsNamespace()
    {
        var sources = GeneratorHarness.Run(Usings + """
            namespace Demo;

            public partial class Admin(ICacheClient cache)
            {
                [InvalidatesCache("Bad Namespace")]
                [InvalidatesCache("racks", Key = "rack-{id}")]
                [InvalidatesCache(Tags = ["rack:{nope}", "rack:{id}"])]
                public partial Task SaveAsync(int id);

                private Task SaveAsyncCore(int id) => Task.CompletedTask;
            }
            """);

        string body = sources["Demo.Admin.SaveAsync.g.cs"];
        Assert.DoesNotContain("Bad Namespace", body);
        Assert.Contains("InvalidateNamespaceAsync(\"racks\")", body);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(body, "InvalidateTagAsync"));
    }

    [Theory]
    [InlineData("public sealed record Report(int Id, string Name, Kind Kind); public enum Kind { A }", true)]
    [InlineData("public sealed record Report(int Id, System.Collections.Immutable.ImmutableArray<Line> Lines); public sealed record Line(string Sku);", true)]
    [InlineData("public record Report(int Id); public sealed record Big(int Id, string Name) : Report(Id);", true)]
    [InlineData("public sealed record Report(int Id, IReadOnlyList<int> Lines);", false)]
    [InlineData("public sealed class Report { public int Id { get; set; } }", false)]
    [InlineData("public sealed class Report { private readonly List<int> _seen = []; public int Id { get; init; } public void See(int x) => _seen.Add(x); }", false)]
    [InlineData("public record Report(int Id); public sealed record Big(int Id) : Report(Id) { public string? Note { get; set; } }", false)]
    public void ImmutabilityFlag_IsEmittedFromTheProof(string dto, bool immutable)
    {
        string body = GeneratorHarness.Run(Usings + "namespace Demo;\n" + dto + """

            public partial class Svc(ICacheClient cache)
            {
                [Cached("reports", 60)]
                public partial Task<Report> GetAsync(int id);

                private Task<Report> GetAsyncCore(int id) => throw new NotImplementedException();
            }
            """)["Demo.Svc.GetAsync.g.cs"];
        Assert.Matches(immutable ? @"\.Instance, true\);" : @"\.Instance, false\);", body);
    }

    [Theory]
    [InlineData("public sealed record Report(int Id, string Name);", "public sealed record Report(int Id, string Name);", true)]
    [InlineData("public sealed record Report(int Id, string Name);", "public sealed record Report(int Id, int Name);", false)]
    [InlineData("public sealed record Report(int Id, string Name);", "public sealed record Report(int Id, string Title);", false)]
    [InlineData("public sealed class Report { public int Id { get; set; } }", "public sealed class Report { public int Id { get; set; } public required string Name { get; set; } }", false)]
    [InlineData("public sealed record Report(Kind Kind); public enum Kind { A, B }", "public sealed record Report(Kind Kind); public enum Kind { A, B, C }", false)]
    public void SchemaFingerprint_ChangesExactlyWhenTheCachedShapeChanges(string before, string after, bool same)
    {
        static string Fingerprint(string dto) =>
            System.Text.RegularExpressions.Regex.Match(
                GeneratorHarness.Run(Usings + "namespace Demo;\n" + dto + """

                    public partial class Svc(ICacheClient cache)
                    {
                        [Cached("reports", 60)]
                        public partial Task<Report> GetAsync(int id);

                        private Task<Report> GetAsyncCore(int id) => throw new NotImplementedException();
                    }
                    """)["Demo.Svc.GetAsync.g.cs"],
                "\"([0-9a-f]{16})\"[,)]").Groups[1].Value;

        string a = Fingerprint(before);
        string b = Fingerprint(after);
        Assert.Matches("^[0-9a-f]{16}$", a);
        Assert.Equal(same, a == b);
    }

    [Fact]
    public void Output_IsIdenticalUnderAnotherCulture()
    {
        const string source = Usings + """
            public partial class Svc(ICacheClient cache)
            {
                [Cached("n", 60)]
                public partial double Get(double x, DateTime at);

                private double GetCore(double x, DateTime at) => x;
            }
            """;
        var invariant = GeneratorHarness.Run(source);
        var previous = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("tr-TR");
            Assert.Equal(invariant, GeneratorHarness.Run(source));
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = previous;
        }
    }

    private const string CatalogHint = "CacheGenCatalog.g.cs";

    private const string FormattersHint = "CacheGenValueFormatters.g.cs";

    private static void VerifyAll(IReadOnlyDictionary<string, string> sources, string[] expectedHints, [System.Runtime.CompilerServices.CallerMemberName] string testMethod = "")
    {
        // the formatters file exists when some method caches a value
        string[] shared = sources.Keys.Any(h => h != CatalogHint && sources[h].Contains("CachedMethod<", StringComparison.Ordinal)) ? [CatalogHint, FormattersHint] : [CatalogHint];
        Assert.Equal(expectedHints.Concat(shared).OrderBy(h => h, StringComparer.Ordinal), sources.Keys.OrderBy(h => h, StringComparer.Ordinal));
        foreach (string hint in shared.Length > 1 ? expectedHints.Append(FormattersHint) : expectedHints)
        {
            Snapshot.Verify(sources[hint], hint, nameof(GeneratorSnapshotTests), testMethod);
        }
    }
}
