namespace CacheGen.CodeFixes.Tests;

/// <summary>Before and after, for each code fix.</summary>
public sealed class CodeFixTests
{
    private const string Head = """
        using System.Threading;
        using System.Threading.Tasks;
        using CacheGen;

        public sealed record Item(int Id);

        """;

    [Fact]
    public async Task MakePartial_MovesTheBodyIntoCoreAndMakesTheTypePartial()
    {
        string after = await CodeFixHarness.FixAsync(Head + """
            public class Svc(ICacheClient cache)
            {
                public ICacheClient Cache => cache;

                [Cached("items", 60)]
                public async Task<Item> GetAsync(int id, CancellationToken ct = default)
                {
                    await Task.Delay(1, ct);
                    return new Item(id);
                }
            }
            """, "CGEN001", new MakePartialCodeFix());

        Assert.Equal(Head + """
            public partial class Svc(ICacheClient cache)
            {
                public ICacheClient Cache => cache;

                [Cached("items", 60)]
                public partial Task<Item> GetAsync(int id, CancellationToken ct = default);

                private async Task<Item> GetAsyncCore(int id, CancellationToken ct)
                {
                    await Task.Delay(1, ct);
                    return new Item(id);
                }
            }
            """, after);
    }

    [Fact]
    public async Task MakePartial_MakesNonPartialContainingTypesPartial()
    {
        string after = await CodeFixHarness.FixAsync(Head + """
            public class Svc(ICacheClient cache)
            {
                [Cached("items", 60)]
                public partial Task<Item> Get(int id);

                private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
            }
            """, "CGEN002", new MakePartialCodeFix());

        Assert.Contains("public partial class Svc(ICacheClient cache)", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GenerateCore_WritesAThrowingStubWithTheSameSignature()
    {
        string after = await CodeFixHarness.FixAsync(Head + """
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60)]
                public partial Task<Item> Get(int id, CancellationToken ct = default);
            }
            """, "CGEN003", new GenerateCoreCodeFix());

        Assert.Equal(Head + """
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60)]
                public partial Task<Item> Get(int id, CancellationToken ct = default);
                private Task<Item> GetCore(int id, CancellationToken ct) => throw new System.NotImplementedException();
            }
            """, after);
    }

    [Fact]
    public async Task AddCacheClient_AddsAPrimaryConstructorParameter()
    {
        string after = await CodeFixHarness.FixAsync(Head + """
            public partial class Svc
            {
                [Cached("items", 60)]
                public partial Task<Item> Get(int id);

                private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
            }
            """, "CGEN004", new AddCacheClientCodeFix());

        Assert.Contains("public partial class Svc(ICacheClient cache)\n{", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddCacheClient_ExtendsExplicitConstructorsAndStoresAField()
    {
        string after = await CodeFixHarness.FixAsync(Head + """
            public partial class Svc
            {
                private readonly int _size;

                public Svc(int size) => _size = size;

                [Cached("items", 60)]
                public partial Task<Item> Get(int id);

                private Task<Item> GetCore(int id) => Task.FromResult(new Item(id + _size));
            }
            """, "CGEN004", new AddCacheClientCodeFix());

        Assert.Contains("private readonly ICacheClient _cache;", after, StringComparison.Ordinal);
        Assert.Contains("public Svc(int size, ICacheClient cache)", after, StringComparison.Ordinal);
        Assert.Contains("_cache = cache;", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyParameter_AddsThePlaceholderToTheTemplate()
    {
        string after = await CodeFixHarness.FixAsync(Head + """
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60, Key = "item:{id}")]
                public partial Task<Item> Get(int id, int region);

                private Task<Item> GetCore(int id, int region) => Task.FromResult(new Item(id));
            }
            """, "CGEN016", new KeyParameterCodeFix(), actionIndex: 0);

        Assert.Contains("[Cached(\"items\", 60, Key = \"item:{id}:{region}\")]", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyParameter_MarksTheParameterNotCacheKey()
    {
        string after = await CodeFixHarness.FixAsync(Head + """
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60, Key = "item:{id}")]
                public partial Task<Item> Get(int id, string traceId);

                private Task<Item> GetCore(int id, string traceId) => Task.FromResult(new Item(id));
            }
            """, "CGEN016", new KeyParameterCodeFix(), actionIndex: 1);

        Assert.Contains("public partial Task<Item> Get(int id, [NotCacheKey] string traceId);", after, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Items", "items")]
    [InlineData("Thermal Analysis", "thermal-analysis")]
    [InlineData("items:*", "items--")]
    [InlineData("_x", "x")]
    public async Task Namespace_IsRewrittenToTheAllowedCharacters(string before, string expected)
    {
        string after = await CodeFixHarness.FixAsync(Head + $$"""
            public partial class Svc(ICacheClient cache)
            {
                [Cached("{{before}}", 60)]
                public partial Task<Item> Get(int id);

                private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
            }
            """, "CGEN009", new NamespaceCodeFix());

        Assert.Contains($"[Cached(\"{expected}\", 60)]", after, StringComparison.Ordinal);
    }
}
