namespace CacheGen.CodeFixes.Tests;

/// <summary>Before and after, for each code fix, on the standard code-fix harness (<see cref="CodeFixTest{TCodeFix}"/>).</summary>
public sealed class CodeFixTests
{
    private const string Head = """
        using System.Threading;
        using System.Threading.Tasks;
        using CacheGen;

        public sealed record Item(int Id);

        """;

    [Fact]
    public Task MakePartial_MovesTheBodyIntoCoreAndMakesTheTypePartial() => CodeFixTest<MakePartialCodeFix>.VerifyAsync(Head + """
        public class Svc(ICacheClient cache)
        {
            public ICacheClient Cache => cache;

            [Cached("items", 60)]
            public async Task<Item> {|CGEN001:GetAsync|}(int id, CancellationToken ct = default)
            {
                await Task.Delay(1, ct);
                return new Item(id);
            }
        }
        """, Head + """
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
        """);

    [Fact]
    public Task MakePartial_MakesNonPartialContainingTypesPartial() => CodeFixTest<MakePartialCodeFix>.VerifyAsync(Head + """
        public class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Task<Item> {|CS0751:{|CS8795:{|CGEN002:Get|}|}|}(int id);

            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
        }
        """, Head + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Task<Item> Get(int id);

            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
        }
        """);

    [Fact]
    public Task MakePartial_MakesEveryEnclosingTypePartial() => CodeFixTest<MakePartialCodeFix>.VerifyAsync(Head + """
        public class Outer
        {
            public class Svc(ICacheClient cache)
            {
                [Cached("items", 60)]
                public partial Task<Item> {|CS0751:{|CS8795:{|CGEN002:Get|}|}|}(int id);

                private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
            }
        }
        """, Head + """
        public partial class Outer
        {
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60)]
                public partial Task<Item> Get(int id);

                private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
            }
        }
        """);

    [Fact]
    public Task GenerateCore_WritesAThrowingStubWithTheSameSignature() => CodeFixTest<GenerateCoreCodeFix>.VerifyAsync(Head + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Task<Item> {|CGEN003:Get|}(int id, CancellationToken ct = default);
        }
        """, Head + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Task<Item> Get(int id, CancellationToken ct = default);

            private Task<Item> GetCore(int id, CancellationToken ct) => throw new System.NotImplementedException();
        }
        """);

    [Fact]
    public Task AddCacheClient_AddsAPrimaryConstructorParameter() => CodeFixTest<AddCacheClientCodeFix>.VerifyAsync(Head + """
        public partial class Svc
        {
            [Cached("items", 60)]
            public partial Task<Item> {|CGEN004:Get|}(int id);

            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
        }
        """, Head + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Task<Item> Get(int id);

            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
        }
        """);

    [Fact]
    public Task AddCacheClient_ExtendsExplicitConstructorsAndStoresAField() => CodeFixTest<AddCacheClientCodeFix>.VerifyAsync(Head + """
        public partial class Svc
        {
            private readonly int _size;

            public Svc(int size) => _size = size;

            [Cached("items", 60)]
            public partial Task<Item> {|CGEN004:Get|}(int id);

            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id + _size));
        }
        """, Head + """
        public partial class Svc
        {
            private readonly int _size;

            private readonly ICacheClient _cache;

            public Svc(int size, ICacheClient cache)
            {
                _size = size;
                _cache = cache;
            }

            [Cached("items", 60)]
            public partial Task<Item> Get(int id);

            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id + _size));
        }
        """);

    [Fact]
    public Task KeyParameter_AddsThePlaceholderToTheTemplate() => CodeFixTest<KeyParameterCodeFix>.VerifyAsync(Head + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60, Key = "item:{id}")]
            public partial Task<Item> Get(int id, int {|CGEN016:region|});

            private Task<Item> GetCore(int id, int region) => Task.FromResult(new Item(id));
        }
        """, Head + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60, Key = "item:{id}:{region}")]
            public partial Task<Item> Get(int id, int region);

            private Task<Item> GetCore(int id, int region) => Task.FromResult(new Item(id));
        }
        """, actionIndex: 0);

    [Fact]
    public Task KeyParameter_MarksTheParameterNotCacheKey() => CodeFixTest<KeyParameterCodeFix>.VerifyAsync(Head + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60, Key = "item:{id}")]
            public partial Task<Item> Get(int id, string {|CGEN016:traceId|});

            private Task<Item> GetCore(int id, string traceId) => Task.FromResult(new Item(id));
        }
        """, Head + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60, Key = "item:{id}")]
            public partial Task<Item> Get(int id, [NotCacheKey] string traceId);

            private Task<Item> GetCore(int id, string traceId) => Task.FromResult(new Item(id));
        }
        """, actionIndex: 1);

    [Fact]
    public Task KeyParameter_FixesEachForgottenParameterInTurn() => CodeFixTest<KeyParameterCodeFix>.VerifyAsync(Head + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60, Key = "item:{id}")]
            public partial Task<Item> Get(int id, int {|CGEN016:region|}, int {|CGEN016:shard|});

            private Task<Item> GetCore(int id, int region, int shard) => Task.FromResult(new Item(id));
        }
        """, Head + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60, Key = "item:{id}:{region}:{shard}")]
            public partial Task<Item> Get(int id, int region, int shard);

            private Task<Item> GetCore(int id, int region, int shard) => Task.FromResult(new Item(id));
        }
        """, actionIndex: 0, iterations: 2);

    [Theory]
    [InlineData("Items", "items")]
    [InlineData("Thermal Analysis", "thermal-analysis")]
    [InlineData("items:*", "items--")]
    [InlineData("_x", "x")]
    public Task Namespace_IsRewrittenToTheAllowedCharacters(string before, string expected) => CodeFixTest<NamespaceCodeFix>.VerifyAsync(Head + $$"""
        public partial class Svc(ICacheClient cache)
        {
            [Cached({|CGEN009:"{{before}}"|}, 60)]
            public partial Task<Item> Get(int id);

            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
        }
        """, Head + $$"""
        public partial class Svc(ICacheClient cache)
        {
            [Cached("{{expected}}", 60)]
            public partial Task<Item> Get(int id);

            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
        }
        """);

    [Fact]
    public Task Namespace_FixAllRewritesCachedAndInvalidatingMethodsAlike() => CodeFixTest<NamespaceCodeFix>.VerifyAsync(Head + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached({|CGEN009:"Items"|}, 60)]
            public partial Task<Item> Get(int id);

            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));

            [InvalidatesCache({|CGEN009:"Items"|})]
            public partial Task Clear();

            private Task ClearCore() => Task.CompletedTask;
        }
        """, Head + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Task<Item> Get(int id);

            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));

            [InvalidatesCache("items")]
            public partial Task Clear();

            private Task ClearCore() => Task.CompletedTask;
        }
        """, iterations: 2, fixAllIterations: 1);
}
