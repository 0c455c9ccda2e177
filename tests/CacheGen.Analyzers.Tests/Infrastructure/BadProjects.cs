namespace CacheGen.Analyzers.Tests.Infrastructure;

/// <summary>One small project per diagnostic, each holding one bad method, for the command-line build tests.</summary>
internal static class BadProjects
{
    private const string Item = "public sealed record Item(int Id);\n";

    /// <summary>Diagnostics that are Info by default: a command-line build does not print them, so their project raises them to warning.</summary>
    public static readonly string[] InfoIds = ["CGEN018", "CGEN023"];

    public static readonly IReadOnlyDictionary<string, string> Sources = new Dictionary<string, string>
    {
        ["CGEN001"] = Item + """
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60)]
                public Task<Item> Get(int id) => Task.FromResult(new Item(id));
                public ICacheClient Cache => cache;
            }
            """,
        ["CGEN002"] = Item + """
            public class Svc(ICacheClient cache)
            {
                [Cached("items", 60)]
                public partial Task<Item> Get(int id);
                private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
            }
            """,
        ["CGEN003"] = Item + """
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60)]
                public partial Task<Item> Get(int id);
                public ICacheClient Cache => cache;
            }
            """,
        ["CGEN004"] = Item + """
            public partial class Svc
            {
                [Cached("items", 60)]
                public partial Task<Item> Get(int id);
                private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
            }
            """,
        ["CGEN005"] = Item + """
            public partial class Svc(ICacheClient a, ICacheClient b)
            {
                public ICacheClient A { get; } = a;
                public ICacheClient B { get; } = b;
                [Cached("items", 60)]
                public partial Task<Item> Get(int id);
                private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
            }
            """,
        ["CGEN006"] = Item + """
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60)]
                public partial Task Refresh(int id);
                private Task RefreshCore(int id) => Task.CompletedTask;
                public ICacheClient Cache => cache;
            }
            """,
        ["CGEN007"] = Item + """
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60)]
                public partial Item Get(ref int id);
                private Item GetCore(ref int id) => new Item(id);
                public ICacheClient Cache => cache;
            }
            """,
        ["CGEN008"] = Item + """
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60)]
                [InvalidatesCache("items")]
                public partial Task<Item> Get(int id);
                private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
            }
            """,
        ["CGEN009"] = Item + """
            public partial class Svc(ICacheClient cache)
            {
                [Cached("Items", 60)]
                public partial Task<Item> Get(int id);
                private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
            }
            """,
        ["CGEN010"] = Item + """
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 0)]
                public partial Task<Item> Get(int id);
                private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
                public ICacheClient Cache => cache;
            }
            """,
        ["CGEN011"] = Item + """
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 2592001)]
                public partial Task<Item> Get(int id);
                private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
            }
            """,
        ["CGEN012"] = Item + """
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60, Key = "item-{id}")]
                public partial Task<Item> Get(int id);
                private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
                public ICacheClient Cache => cache;
            }
            """,
        ["CGEN013"] = Item + """
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60, Key = "item:{itemId}")]
                public partial Task<Item> Get(int id);
                private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
                public ICacheClient Cache => cache;
            }
            """,
        ["CGEN014"] = Item + """
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60)]
                public partial Task<Item> Get(object query);
                private Task<Item> GetCore(object query) => Task.FromResult(new Item(1));
                public ICacheClient Cache => cache;
            }
            """,
        ["CGEN015"] = Item + """
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60)]
                public partial Task<Item> Get(double celsius);
                private Task<Item> GetCore(double celsius) => Task.FromResult(new Item(1));
            }
            """,
        ["CGEN016"] = Item + """
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60, Key = "item:{id}")]
                public partial Task<Item> Get(int id, int region);
                private Task<Item> GetCore(int id, int region) => Task.FromResult(new Item(id));
            }
            """,
        ["CGEN017"] = Item + """
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60, Key = "u:{password}")]
                public partial Task<Item> Get(string password);
                private Task<Item> GetCore(string password) => Task.FromResult(new Item(1));
            }
            """,
        ["CGEN018"] = Item + """
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60)]
                public partial Task<Item> Get(string query);
                private Task<Item> GetCore(string query) => Task.FromResult(new Item(1));
            }
            """,
        ["CGEN019"] = Item + """
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60, Key = "item:{id}")]
                public partial Task<Item> A(int id);
                private Task<Item> ACore(int id) => Task.FromResult(new Item(id));
                [Cached("items", 60, Key = "item:{id}")]
                public partial Task<Item> B(int id);
                private Task<Item> BCore(int id) => Task.FromResult(new Item(id));
            }
            """,
        ["CGEN020"] = Item + """
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60)]
                public partial Task<Item> Get(int id);
                private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
                [InvalidatesCache("itemz")]
                public partial Task Save(int id);
                private Task SaveCore(int id) => Task.CompletedTask;
            }
            """,
        ["CGEN021"] = Item + """
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60, Key = "item:{id}")]
                public partial Task<Item> Get(int id);
                private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
                [InvalidatesCache("items", Key = "items:{id}")]
                public partial Task Save(int id);
                private Task SaveCore(int id) => Task.CompletedTask;
            }
            """,
        ["CGEN022"] = Item + """
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60, Key = "item:{id}")]
                public partial Task<Item> Get(Guid id);
                private Task<Item> GetCore(Guid id) => Task.FromResult(new Item(1));
                [InvalidatesCache("items", Key = "item:{id}")]
                public partial Task Save(string id);
                private Task SaveCore(string id) => Task.CompletedTask;
            }
            """,
        ["CGEN023"] = Item + """
            public partial class Svc(ICacheClient cache)
            {
                [Cached("reports", 7200)]
                public partial Task<Item> Get(int id);
                private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
            }
            """,
        ["CGEN024"] = Item + """
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60)]
                public partial Task<Item> Get(int id);
                private Task<Item> GetCore(int id) => Task.FromResult(new Item(id + DateTime.UtcNow.Second));
            }
            """,
        ["CGEN026"] = Item + """
            public partial class Svc(ICacheClient cache)
            {
                [InvalidatesCache(Key = "item:{id}")]
                public partial Task Save(int id);
                private Task SaveCore(int id) => Task.CompletedTask;
                public ICacheClient Cache => cache;
            }
            """,
        ["CGEN025"] = Item + """
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60)]
                public partial Task<object> Get(int id);
                private Task<object> GetCore(int id) => Task.FromResult<object>(new Item(id));
                public ICacheClient Cache => cache;
            }
            """,
        ["CGEN027"] = """
            public sealed record RackQuery(int SiteId, string Region, int MaxResults);
            public sealed record Item(int Id);
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60, Key = "site:{query.SiteId}")]
                public partial Task<Item> Find(RackQuery query);
                private Task<Item> FindCore(RackQuery query) => Task.FromResult(new Item(query.SiteId));
            }
            """,
        ["CGEN028"] = Item + """
            public sealed class Money(decimal amount) : IFormattable
            {
                public string ToString(string? format, IFormatProvider? provider) => amount.ToString("N2");
            }
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60)]
                public partial Task<Item> Quote(Money price);
                private Task<Item> QuoteCore(Money price) => Task.FromResult(new Item(1));
            }
            """,
        ["CGEN030"] = Item + """
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60, Serializer = typeof(string))]
                public partial Task<Item> Get(int id);
                private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
                public ICacheClient Cache => cache;
            }
            """,
    };
}
