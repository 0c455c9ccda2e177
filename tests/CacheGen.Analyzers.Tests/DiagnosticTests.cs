using static CacheGen.Analyzers.Tests.Infrastructure.AnalyzerTest;

namespace CacheGen.Analyzers.Tests;

/// <summary>For every diagnostic: a source where it fires on the marked span, and a near miss where it does not.</summary>
public sealed class DiagnosticTests
{
    private const string Item = "public sealed record Item(int Id);\n";

    [Fact]
    public Task CGEN001_Fires_OnCachedMethodWithABody() => VerifyAsync(Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public Task<Item> {|CGEN001:Get|}(int id) => Task.FromResult(new Item(id));
        }
        """);

    [Fact]
    public Task CGEN001_DoesNotFire_OnPartialDeclaration() => VerifyNoneAsync("CGEN001", Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Task<Item> Get(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
        }
        """);

    [Fact]
    public Task CGEN002_Fires_WhenTheTypeIsNotPartial() => VerifyAsync(Usings + Item + """
        public class Svc(ICacheClient cache)
        {
            [InvalidatesCache("items")]
            public partial Task {|CGEN002:{|CS0751:{|CS8795:Clear|}|}|}();
            private Task ClearCore() => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task CGEN002_DoesNotFire_WhenEveryContainingTypeIsPartial() => VerifyNoneAsync("CGEN002", Usings + Item + """
        public partial class Outer
        {
            public partial class Svc(ICacheClient cache)
            {
                [Cached("items", 60)]
                public partial Task<Item> Get(int id);
                private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));

                [InvalidatesCache("items")]
                public partial Task Clear();
                private Task ClearCore() => Task.CompletedTask;
            }
        }
        """);

    [Fact]
    public Task CGEN003_Fires_WhenCoreIsMissingOrMismatched() => VerifyAsync(Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Task<Item> {|CGEN003:Get|}(int id);

            [Cached("items", 60)]
            public partial Task<Item> {|CGEN003:Find|}(long id);
            private Task<Item> FindCore(int id) => Task.FromResult(new Item(id));
        }
        """);

    [Fact]
    public Task CGEN003_DoesNotFire_WhenCoreMatches() => VerifyNoneAsync("CGEN003", Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Task<Item> Get(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
        }
        """);

    [Fact]
    public Task CGEN004_Fires_WithoutACacheClient() => VerifyAsync(Usings + Item + """
        public partial class Svc
        {
            [Cached("items", 60)]
            public partial Task<Item> {|CGEN004:Get|}(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));

            [Cached("items", 60)]
            public static partial Task<Item> {|CGEN004:Find|}(int id);
            private static Task<Item> FindCore(int id) => Task.FromResult(new Item(id));
        }
        """);

    [Fact]
    public Task CGEN004_DoesNotFire_WithAFieldClient() => VerifyNoneAsync("CGEN004", Usings + Item + """
        public partial class Svc
        {
            private readonly ICacheClient _cache;
            public Svc(ICacheClient cache) => _cache = cache;

            [Cached("items", 60)]
            public partial Task<Item> Get(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
        }
        """);

    [Fact]
    public Task CGEN005_Fires_WithTwoClients() => VerifyAsync(Usings + Item + """
        public partial class Svc(ICacheClient primary, ICacheClient secondary)
        {
            public ICacheClient Primary { get; } = primary;
            public ICacheClient Secondary { get; } = secondary;

            [Cached("items", 60)]
            public partial Task<Item> {|CGEN005:Get|}(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
        }
        """);

    [Fact]
    public Task CGEN005_DoesNotFire_WhenAFieldShadowsTheParameter() => VerifyNoneAsync("CGEN005", Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            private readonly ICacheClient _cache = cache;

            [Cached("items", 60)]
            public partial Task<Item> Get(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
        }
        """);

    [Fact]
    public Task CGEN006_Fires_OnCachedMethodWithoutAValue() => VerifyAsync(Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Task {|CGEN006:Refresh|}(int id);
            private Task RefreshCore(int id) => Task.CompletedTask;

            [Cached("items", 60)]
            public partial void {|CGEN006:Touch|}(int id);
            private void TouchCore(int id) { }
        }
        """);

    [Fact]
    public Task CGEN006_DoesNotFire_OnInvalidatingTask() => VerifyNoneAsync("CGEN006", Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Task<Item> Get(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));

            [InvalidatesCache("items")]
            public partial Task Refresh(int id);
            private Task RefreshCore(int id) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task CGEN007_Fires_OnByReferenceParameters() => VerifyAsync(Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Item Get(ref int {|CGEN007:id|}, out int {|CGEN007:version|});
            private Item GetCore(ref int id, out int version) { version = 1; return new Item(id); }
        }
        """);

    [Fact]
    public Task CGEN007_DoesNotFire_OnValueParameters() => VerifyNoneAsync("CGEN007", Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Item Get(int id, int version);
            private Item GetCore(int id, int version) => new Item(id);
        }
        """);

    [Fact]
    public Task CGEN008_Fires_WithBothAttributes() => VerifyAsync(Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            [InvalidatesCache("items")]
            public partial Task<Item> {|CGEN008:Get|}(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
        }
        """);

    [Fact]
    public Task CGEN008_DoesNotFire_WhenSplit() => VerifyNoneAsync("CGEN008", Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Task<Item> Get(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));

            [InvalidatesCache("items")]
            public partial Task<Item> Save(int id);
            private Task<Item> SaveCore(int id) => Task.FromResult(new Item(id));
        }
        """);

    [Fact]
    public Task CGEN009_Fires_OnBadNamespaces() => VerifyAsync(Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached({|CGEN009:"Items"|}, 60)]
            public partial Task<Item> Get(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));

            [{|CGEN020:InvalidatesCache({|CGEN009:"items:*"|})|}]
            public partial Task Clear();
            private Task ClearCore() => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task CGEN009_DoesNotFire_OnLowerCaseDottedNamespace() => VerifyNoneAsync("CGEN009", Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("thermal.v2_rack-1", 60)]
            public partial Task<Item> Get(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
        }
        """);

    [Fact]
    public Task CGEN010_Fires_OnZeroTtl() => VerifyAsync(Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", {|CGEN010:0|})]
            public partial Task<Item> Get(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
        }
        """);

    [Fact]
    public Task CGEN010_DoesNotFire_OnOneSecond() => VerifyNoneAsync("CGEN010", Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 1)]
            public partial Task<Item> Get(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
        }
        """);

    [Fact]
    public Task CGEN011_Fires_AboveThirtyDays() => VerifyAsync(Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [{|CGEN023:Cached("items", {|CGEN011:2592001|})|}]
            public partial Task<Item> Get(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
        }
        """);

    [Fact]
    public Task CGEN011_DoesNotFire_AtThirtyDays() => VerifyNoneAsync("CGEN011", Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 2592000)]
            public partial Task<Item> Get(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));

            [InvalidatesCache("items")]
            public partial Task Clear();
            private Task ClearCore() => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task CGEN012_Fires_OnPlaceholderSharingASegment() => VerifyAsync(Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60, {|CGEN012:Key = "item-{id}"|})]
            public partial Task<Item> Get(int {|CGEN016:id|});
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));

            [Cached("items", 60, {|CGEN012:Key = "item:{id"|})]
            public partial Task<Item> Find(int {|CGEN016:id|});
            private Task<Item> FindCore(int id) => Task.FromResult(new Item(id));
        }
        """);

    [Fact]
    public Task CGEN012_DoesNotFire_OnWholeSegmentPlaceholders() => VerifyNoneAsync("CGEN012", Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60, Key = "item:{id}:v1")]
            public partial Task<Item> Get(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
        }
        """);

    [Fact]
    public Task CGEN013_Fires_OnUnknownPlaceholder() => VerifyAsync(Usings + Item + """
        public sealed record Filter(string Region);
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60, {|CGEN013:Key = "item:{itemId}"|})]
            public partial Task<Item> Get(int {|CGEN016:id|});
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));

            [Cached("items", 60, {|CGEN018:Key = "f:{filter.Region}"|}, {|CGEN013:Tags = ["f:{filter.Zone}"]|})]
            public partial Task<Item> Find(Filter filter);
            private Task<Item> FindCore(Filter filter) => Task.FromResult(new Item(1));
        }
        """);

    [Fact]
    public Task CGEN013_DoesNotFire_OnMemberPath() => VerifyNoneAsync("CGEN013", Usings + Item + """
        public sealed record Filter(string Region);
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60, {|CGEN018:Key = "f:{filter.Region}"|}, {|CGEN018:Tags = ["f:{filter.Region}"]|})]
            public partial Task<Item> Find(Filter filter);
            private Task<Item> FindCore(Filter filter) => Task.FromResult(new Item(1));
        }
        """);

    [Fact]
    public Task CGEN014_Fires_OnTypesWithoutAKeyForm() => VerifyAsync(Usings + Item + """
        public sealed class Session { public int UserId { get; set; } }
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Task<Item> Get(object {|CGEN014:query|}, Session {|CGEN014:session|}, HashSet<int> {|CGEN014:ids|});
            private Task<Item> GetCore(object query, Session session, HashSet<int> ids) => Task.FromResult(new Item(1));

            [Cached("items", 60, {|CGEN014:Key = "s:{session}"|})]
            public partial Task<Item> Find(Session session);
            private Task<Item> FindCore(Session session) => Task.FromResult(new Item(1));
        }
        """);

    [Fact]
    public Task CGEN014_DoesNotFire_OnValueTypesRecordsAndLists() => VerifyNoneAsync("CGEN014", Usings + Item + """
        public enum Kind { A, B }
        public sealed record Query(string Text, Kind Kind, int? Page);
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Task<Item> Get(Query query, Guid tenant, DateOnly day, IReadOnlyList<int> {|CGEN018:ids|}, [NotCacheKey] object trace);
            private Task<Item> GetCore(Query query, Guid tenant, DateOnly day, IReadOnlyList<int> ids, object trace) => Task.FromResult(new Item(1));
        }
        """);

    [Fact]
    public Task CGEN015_Fires_OnFloatingPointAndDateTime() => VerifyAsync(Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Task<Item> Get(double {|CGEN015:celsius|}, DateTime {|CGEN015:at|});
            private Task<Item> GetCore(double celsius, DateTime at) => Task.FromResult(new Item(1));
        }
        """);

    [Fact]
    public Task CGEN015_DoesNotFire_OnDecimalAndDateTimeOffset() => VerifyNoneAsync("CGEN015", Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Task<Item> Get(decimal celsius, DateTimeOffset at);
            private Task<Item> GetCore(decimal celsius, DateTimeOffset at) => Task.FromResult(new Item(1));
        }
        """);

    [Fact]
    public Task CGEN016_Fires_OnParameterLeftOutOfTheTemplate() => VerifyAsync(Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60, Key = "item:{id}")]
            public partial Task<Item> Get(int id, string {|CGEN016:region|}, CancellationToken ct);
            private Task<Item> GetCore(int id, string region, CancellationToken ct) => Task.FromResult(new Item(id));
        }
        """);

    [Fact]
    public Task CGEN016_DoesNotFire_WhenMarkedNotCacheKey() => VerifyNoneAsync("CGEN016", Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60, Key = "item:{id}")]
            public partial Task<Item> Get(int id, [NotCacheKey] string traceId, CancellationToken ct);
            private Task<Item> GetCore(int id, string traceId, CancellationToken ct) => Task.FromResult(new Item(id));
        }
        """);

    [Fact]
    public Task CGEN017_Fires_OnSecretLookingKeyParameters() => VerifyAsync(Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Task<Item> Get(int id, string {|CGEN017:{|CGEN018:apiKey|}|});
            private Task<Item> GetCore(int id, string apiKey) => Task.FromResult(new Item(id));

            [Cached("items", 60, {|CGEN018:Key = "u:{accessToken}"|})]
            public partial Task<Item> Me(string {|CGEN017:accessToken|});
            private Task<Item> MeCore(string accessToken) => Task.FromResult(new Item(1));
        }
        """);

    [Fact]
    public Task CGEN017_DoesNotFire_WhenTheSecretIsNotInTheKey() => VerifyNoneAsync("CGEN017", Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Task<Item> Get(int id, [NotCacheKey] string password, CancellationToken cancellationToken);
            private Task<Item> GetCore(int id, string password, CancellationToken cancellationToken) => Task.FromResult(new Item(id));
        }
        """);

    [Fact]
    public Task CGEN018_Fires_OnStringsAndLists() => VerifyAsync(Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Task<Item> Get(string {|CGEN018:query|}, List<int> {|CGEN018:ids|});
            private Task<Item> GetCore(string query, List<int> ids) => Task.FromResult(new Item(1));
        }
        """);

    [Fact]
    public Task CGEN018_DoesNotFire_OnBoundedParts() => VerifyNoneAsync("CGEN018", Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Task<Item> Get(int id, Guid tenant, [NotCacheKey] string trace);
            private Task<Item> GetCore(int id, Guid tenant, string trace) => Task.FromResult(new Item(id));
        }
        """);

    [Fact]
    public Task CGEN019_Fires_OnTwoMethodsWithOneKeyShape() => VerifyAsync(Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60, Key = "item:{id}")]
            public partial Task<Item> A(int id);
            private Task<Item> ACore(int id) => Task.FromResult(new Item(id));

            [{|CGEN019:Cached("items", 60, Key = "item:{itemId}")|}]
            public partial Task<Item> B(int itemId);
            private Task<Item> BCore(int itemId) => Task.FromResult(new Item(itemId));
        }
        """);

    [Fact]
    public Task CGEN019_DoesNotFire_AcrossNamespacesOrShapes() => VerifyNoneAsync("CGEN019", Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60, Key = "item:{id}")]
            public partial Task<Item> A(int id);
            private Task<Item> ACore(int id) => Task.FromResult(new Item(id));

            [Cached("other", 60, Key = "item:{id}")]
            public partial Task<Item> B(int id);
            private Task<Item> BCore(int id) => Task.FromResult(new Item(id));

            [Cached("items", 60, Key = "item:{id}:full")]
            public partial Task<Item> C(int id);
            private Task<Item> CCore(int id) => Task.FromResult(new Item(id));
        }
        """);

    [Fact]
    public Task CGEN020_Fires_OnUnusedNamespaceAndTag() => VerifyAsync(Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60, Tags = ["item:{id}"])]
            public partial Task<Item> Get(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));

            [{|CGEN020:InvalidatesCache("itemz")|}]
            [{|CGEN020:InvalidatesCache(Tags = ["iten:{id}"])|}]
            public partial Task Save(int id);
            private Task SaveCore(int id) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task CGEN020_DoesNotFire_OnUsedNamespaceAndTag() => VerifyNoneAsync("CGEN020", Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60, Tags = ["item:{id}"])]
            public partial Task<Item> Get(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));

            [InvalidatesCache("items")]
            [InvalidatesCache(Tags = ["item:{itemId}"])]
            public partial Task Save(int itemId);
            private Task SaveCore(int itemId) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task CGEN021_Fires_OnKeyMatchingNoCachedKey() => VerifyAsync(Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60, Key = "item:{id}")]
            public partial Task<Item> Get(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));

            [{|CGEN021:InvalidatesCache("items", Key = "items:{id}")|}]
            public partial Task Save(int id);
            private Task SaveCore(int id) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task CGEN021_DoesNotFire_OnMatchingKey() => VerifyNoneAsync("CGEN021", Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60, Key = "item:{id}")]
            public partial Task<Item> Get(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));

            [InvalidatesCache("items", Key = "item:{itemId}")]
            public partial Task Save(long itemId);
            private Task SaveCore(long itemId) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task CGEN022_Fires_WhenPlaceholderTypesWriteDifferently() => VerifyAsync(Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60, Key = "item:{id}")]
            public partial Task<Item> Get(Guid id);
            private Task<Item> GetCore(Guid id) => Task.FromResult(new Item(1));

            [{|CGEN022:InvalidatesCache("items", {|CGEN018:Key = "item:{id}"|})|}]
            public partial Task Save(string id);
            private Task SaveCore(string id) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task CGEN022_DoesNotFire_OnIntegersOfOtherWidths() => VerifyNoneAsync("CGEN022", Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60, Key = "item:{id}")]
            public partial Task<Item> Get(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));

            [InvalidatesCache("items", Key = "item:{id}")]
            public partial Task Save(long id);
            private Task SaveCore(long id) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task CGEN023_Fires_OnLongLivedNamespaceNothingInvalidates() => VerifyAsync(Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [{|CGEN023:Cached("reports", 7200)|}]
            public partial Task<Item> Get(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
        }
        """);

    [Fact]
    public Task CGEN023_DoesNotFire_WhenAnInvalidatorCoversIt() => VerifyNoneAsync("CGEN023", Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("reports", 7200)]
            public partial Task<Item> Get(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));

            [InvalidatesCache("reports")]
            public partial void Rebuild();
            private void RebuildCore() { }
        }
        """);

    [Fact]
    public Task CGEN023_Fires_WhenOnlyAnotherKeyOfTheNamespaceIsInvalidated() => VerifyAsync(Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("reports", 7200, Key = "r:{id}")]
            public partial Task<Item> Get(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));

            [{|CGEN023:Cached("reports", 7200, Key = "l:{page}")|}]
            public partial Task<Item> List(int page);
            private Task<Item> ListCore(int page) => Task.FromResult(new Item(page));

            [InvalidatesCache("reports", Key = "r:{id}")]
            public partial void Touch(int id);
            private void TouchCore(int id) { }
        }
        """);

    [Fact]
    public Task CGEN023_DoesNotFire_WhenAKeyOrTagInvalidatorCoversIt() => VerifyNoneAsync("CGEN023", Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("reports", 7200, Key = "r:{id}")]
            public partial Task<Item> Get(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));

            [Cached("reports", 7200, Key = "l:{page}", Tags = ["lists"])]
            public partial Task<Item> List(int page);
            private Task<Item> ListCore(int page) => Task.FromResult(new Item(page));

            [InvalidatesCache("reports", Key = "r:{id}")]
            public partial void Touch(int id);
            private void TouchCore(int id) { }

            [InvalidatesCache(Tags = ["lists"])]
            public partial void ClearLists();
            private void ClearListsCore() { }
        }
        """);

    [Fact]
    public Task CGEN024_Fires_WhenCoreReadsTheClockOrRandomness() => VerifyAsync(Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Task<Item> Get(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id + {|CGEN024:DateTime.UtcNow|}.Second + {|CGEN024:Guid.NewGuid()|}.GetHashCode() + {|CGEN024:new Random()|}.Next()));
        }
        """);

    [Fact]
    public Task CGEN024_DoesNotFire_OnUncachedMethods() => VerifyNoneAsync("CGEN024", Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Task<Item> Get(int id, DateTimeOffset asOf);
            private Task<Item> GetCore(int id, DateTimeOffset asOf) => Task.FromResult(new Item(id + asOf.Second));

            public Item Now() => new Item(DateTime.UtcNow.Second);
            private Item NowCore() => new Item(DateTime.UtcNow.Second);
        }
        """);

    [Fact]
    public Task CGEN025_Fires_OnValuesThatCannotRoundTrip() => VerifyAsync(Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Task<object> {|CGEN025:Get|}(int id);
            private Task<object> GetCore(int id) => Task.FromResult<object>(new Item(id));

            [Cached("items", 60)]
            public partial Task<Rack> {|CGEN025:GetRack|}(int id);
            private Task<Rack> GetRackCore(int id) => Task.FromResult(new Rack());

            [Cached("items", 60)]
            public partial Task<Node> {|CGEN025:GetNode|}(int id);
            private Task<Node> GetNodeCore(int id) => throw new NotImplementedException();

            [Cached("items", 60)]
            public partial Task<IShape> {|CGEN025:GetShape|}(int id);
            private Task<IShape> GetShapeCore(int id) => throw new NotImplementedException();

            [Cached("items", 60)]
            public partial Task<Secret> {|CGEN025:GetSecret|}(int id);
            private Task<Secret> GetSecretCore(int id) => throw new NotImplementedException();

            [Cached("items", 60)]
            public partial Func<int> {|CGEN025:Counter|}(int id);
            private Func<int> CounterCore(int id) => () => id;
        }

        public sealed class Rack { public string Name { get; private set; } = ""; }
        public sealed class Node { public Node Next { get; set; } = null!; }
        public interface IShape { double Area { get; } }
        public sealed class Secret { private Secret() { } public int Code { get; set; } }
        """);

    [Fact]
    public Task CGEN030_Fires_OnASerializerThatIsNotAFormatterOfTheValue() => VerifyAsync(Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60, Serializer = typeof(string))]
            public partial Task<Item> {|CGEN030:Get|}(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
        }
        """);

    [Fact]
    public Task CGEN030_DoesNotFire_OnAFormatterOfTheValue() => VerifyNoneAsync("CGEN030", Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60, Serializer = typeof(ItemFormatter))]
            public partial Task<Item> {|CGEN040:Get|}(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
        }

        public sealed class ItemFormatter : MessagePack.Formatters.IMessagePackFormatter<Item>
        {
            public void Serialize(ref MessagePack.MessagePackWriter writer, Item value, MessagePack.MessagePackSerializerOptions options) => writer.Write(value.Id);
            public Item Deserialize(ref MessagePack.MessagePackReader reader, MessagePack.MessagePackSerializerOptions options) => new(reader.ReadInt32());
        }
        """);

    [Fact]
    public Task CGEN040_Fires_OnValuesThatCanChangeAfterTheyAreCached() => VerifyAsync(Usings + "using System.Collections.Immutable;\n" + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Task<Settable> {|CGEN040:GetSettable|}(int id);
            private Task<Settable> GetSettableCore(int id) => Task.FromResult(new Settable());

            [Cached("items", 60)]
            public partial Task<WithList> {|CGEN040:GetList|}(int id);
            private Task<WithList> GetListCore(int id) => Task.FromResult(new WithList([id]));

            [Cached("items", 60)]
            public partial int[] {|CGEN040:GetArray|}(int id);
            private int[] GetArrayCore(int id) => [id];

            [Cached("items", 60)]
            public partial Task<Hidden> {|CGEN040:GetHidden|}(int id);
            private Task<Hidden> GetHiddenCore(int id) => Task.FromResult(new Hidden(id));

            [Cached("items", 60)]
            public partial Task<Shape> {|CGEN040:GetShape|}(int id);
            private Task<Shape> GetShapeCore(int id) => Task.FromResult<Shape>(new Circle(id));

            [Cached("items", 60)]
            public partial Task<ImmutableArray<Settable>> {|CGEN040:GetMany|}(int id);
            private Task<ImmutableArray<Settable>> GetManyCore(int id) => Task.FromResult(ImmutableArray<Settable>.Empty);

            [Cached("items", 60)]
            public partial Task<Bag> {|CGEN040:GetBag|}(int id);
            private Task<Bag> GetBagCore(int id) => Task.FromResult(new Bag { Ids = [id] });

            [Cached("items", 60)]
            public partial Task<(int Id, Settable Detail)> {|CGEN040:GetPair|}(int id);
            private Task<(int Id, Settable Detail)> GetPairCore(int id) => Task.FromResult((id, new Settable()));
        }

        public struct Bag { public List<int> Ids; }

        public sealed class Settable { public int Id { get; set; } }
        public sealed record WithList(IReadOnlyList<int> Ids);
        public sealed class Hidden
        {
            private readonly List<int> _seen = [];
            public Hidden(int id) => Id = id;
            public int Id { get; }
            public void See(int x) => _seen.Add(x);
        }
        public abstract record Shape(int Id);
        public sealed record Circle(int Id) : Shape(Id) { public double Radius { get; set; } }
        """);

    [Fact]
    public Task CGEN040_DoesNotFire_OnRecordsOfImmutableMembers() => VerifyNoneAsync("CGEN040", Usings + "using System.Collections.Frozen;\nusing System.Collections.Immutable;\n" + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Task<Order> GetOrder(int id);
            private Task<Order> GetOrderCore(int id) => Task.FromResult(new Order(id, "x", ImmutableArray<Item>.Empty, Kind.A, DateTime.UnixEpoch, null, FrozenDictionary<string, int>.Empty));

            [Cached("items", 60)]
            public partial Task<Base> GetBase(int id);
            private Task<Base> GetBaseCore(int id) => Task.FromResult<Base>(new Derived(id, "x"));

            [Cached("items", 60)]
            public partial Task<string> GetName(int id);
            private Task<string> GetNameCore(int id) => Task.FromResult("x");

            [Cached("items", 60)]
            public partial Task<Point> GetPoint(int id);
            private Task<Point> GetPointCore(int id) => Task.FromResult(new Point(id, id));

            [Cached("items", 60)]
            public partial Task<Tally> GetTally(int id);
            private Task<Tally> GetTallyCore(int id) => Task.FromResult(new Tally { Count = id, Label = "x" });

            [Cached("items", 60)]
            public partial Task<(int Count, string Label)> GetPair(int id);
            private Task<(int Count, string Label)> GetPairCore(int id) => Task.FromResult((id, "x"));
        }

        public struct Tally { public int Count; public string Label; }

        public enum Kind { A, B }
        public sealed record Order(int Id, string Name, ImmutableArray<Item> Lines, Kind Kind, DateTime At, decimal? Total, FrozenDictionary<string, int> Counts);
        public record Base(int Id);
        public sealed record Derived(int Id, string Name) : Base(Id);
        public sealed class Point
        {
            public Point(int x, int y) { X = x; Y = y; }
            public int X { get; }
            public int Y { get; init; }
            public int Sum => X + Y;
        }
        """);

    [Fact]
    public Task CGEN025_DoesNotFire_OnRecordsAndCollections() => VerifyNoneAsync("CGEN025", Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Task<IReadOnlyList<Item>> {|CGEN040:All|}(int page);
            private Task<IReadOnlyList<Item>> AllCore(int page) => Task.FromResult<IReadOnlyList<Item>>(new[] { new Item(page) });

            [Cached("items", 60)]
            public partial Dictionary<string, Item?> {|CGEN040:Map|}(int page);
            private Dictionary<string, Item?> MapCore(int page) => new();

            [Cached("items", 60)]
            public partial (int Count, string Label) Tuple(int page);
            private (int Count, string Label) TupleCore(int page) => (page, "x");

            [Cached("items", 60)]
            public partial Tree {|CGEN040:Walk|}(int page);
            private Tree WalkCore(int page) => new();

            [Cached("items", 60)]
            public partial Counter {|CGEN040:Count|}(int page);
            private Counter CountCore(int page) => new(page);
        }

        public sealed class Tree { public Tree? Left { get; set; } public List<Tree> Children { get; set; } = []; }
        public sealed class Counter(int value) { public int Value { get; private set; } = value; public int Twice => Value * 2; }
        """);

    [Fact]
    public Task CGEN026_Fires_OnInvalidationWithoutATarget() => VerifyAsync(Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60, Key = "item:{id}")]
            public partial Task<Item> Get(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));

            [{|CGEN026:InvalidatesCache(Key = "item:{id}")|}]
            [{|CGEN026:InvalidatesCache|}]
            public partial Task Save(int id);
            private Task SaveCore(int id) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task CGEN026_DoesNotFire_WithANamespaceOrTags() => VerifyNoneAsync("CGEN026", Usings + Item + """
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60, Key = "item:{id}", Tags = ["item:{id}"])]
            public partial Task<Item> Get(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));

            [InvalidatesCache("items", Key = "item:{id}")]
            [InvalidatesCache(Tags = ["item:{id}"])]
            public partial Task Save(int id);
            private Task SaveCore(int id) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task CGEN013_DoesNotFire_OnInheritedMember() => VerifyNoneAsync("CGEN013", Usings + Item + """
        public abstract record Animal(int Id);
        public sealed record Dog(int Id) : Animal(Id);
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60, Key = "dog:{dog.Id}")]
            public partial Task<Item> Get(Dog dog);
            private Task<Item> GetCore(Dog dog) => Task.FromResult(new Item(dog.Id));
        }
        """);

    [Fact]
    public Task CGEN017_Fires_OnSecretsReachedThroughPathsRecordsAndNames() => VerifyAsync(Usings + Item + """
        public sealed record Credentials(string ClientId, string ClientSecret);
        public sealed record LoginRequest(string UserName, string Password);
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60, {|CGEN017:{|CGEN018:{|CGEN027:Key = "c:{creds.ClientSecret}"|}|}|})]
            public partial Task<Item> ByClient(Credentials creds);
            private Task<Item> ByClientCore(Credentials creds) => Task.FromResult(new Item(1));

            [Cached("items", 60)]
            public partial Task<Item> Login(LoginRequest {|CGEN017:request|});
            private Task<Item> LoginCore(LoginRequest request) => Task.FromResult(new Item(1));

            [Cached("items", 60)]
            public partial Task<Item> Names(string {|CGEN017:{|CGEN018:jwt|}|}, int {|CGEN017:pin|}, string {|CGEN017:{|CGEN018:connectionString|}|}, string {|CGEN017:{|CGEN018:bearer_token|}|});
            private Task<Item> NamesCore(string jwt, int pin, string connectionString, string bearer_token) => Task.FromResult(new Item(1));
        }
        """);

    [Fact]
    public Task CGEN017_DoesNotFire_OnPagingTokensAndLookalikeWords() => VerifyNoneAsync("CGEN017", Usings + Item + """
        public sealed record Page(string ContinuationToken, int Size);
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Task<Item> List(string {|CGEN018:continuationToken|}, string {|CGEN018:pageToken|}, string {|CGEN018:nextToken|}, int tokenCount, string {|CGEN018:shipping|}, string {|CGEN018:spinner|}, Page page, CancellationToken cancellationToken);
            private Task<Item> ListCore(string continuationToken, string pageToken, string nextToken, int tokenCount, string shipping, string spinner, Page page, CancellationToken cancellationToken) => Task.FromResult(new Item(1));
        }
        """);

    [Fact]
    public Task CGEN021_Fires_WhenTheInvalidationKeyLacksTheCachedKeysTypeIdentity() => VerifyAsync(Usings + Item + """
        public partial class Repo<T>(ICacheClient cache)
        {
            [Cached("lookup", 60, Key = "item:{id}")]
            public partial Task<Item> Get(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));
        }

        public partial class Admin(ICacheClient cache)
        {
            [{|CGEN021:InvalidatesCache("lookup", Key = "item:{id}")|}]
            public partial Task Delete(int id);
            private Task DeleteCore(int id) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task CGEN021_DoesNotFire_InTheSameGenericClass() => VerifyNoneAsync("CGEN021", Usings + Item + """
        public partial class Repo<T>(ICacheClient cache)
        {
            [Cached("lookup", 60, Key = "item:{id}")]
            public partial Task<Item> Get(int id);
            private Task<Item> GetCore(int id) => Task.FromResult(new Item(id));

            [InvalidatesCache("lookup", Key = "item:{id}")]
            public partial Task Delete(int id);
            private Task DeleteCore(int id) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task CGEN027_Fires_WhenAPathLeavesMembersOut() => VerifyAsync(Usings + Item + """
        public sealed record Range(int From, int To);
        public sealed record RackQuery(int SiteId, string Region, int MaxResults, Range Span);
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60, {|CGEN027:Key = "site:{query.SiteId}:{query.Span.From}"|})]
            public partial Task<Item> Find(RackQuery query);
            private Task<Item> FindCore(RackQuery query) => Task.FromResult(new Item(1));
        }
        """);

    [Fact]
    public Task CGEN027_DoesNotFire_WhenEveryMemberOrTheWholeValueIsKeyed() => VerifyNoneAsync("CGEN027", Usings + Item + """
        public sealed record Range(int From, int To);
        public sealed record RackQuery(int SiteId, string Region, int MaxResults, Range Span);
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60, {|CGEN018:Key = "site:{query.SiteId}:{query.Region}:{query.MaxResults}:{query.Span}"|})]
            public partial Task<Item> Find(RackQuery query);
            private Task<Item> FindCore(RackQuery query) => Task.FromResult(new Item(1));

            [Cached("items", 60, Key = "q:{query}", Tags = ["site:{query.SiteId}"])]
            public partial Task<Item> Whole(RackQuery query);
            private Task<Item> WholeCore(RackQuery query) => Task.FromResult(new Item(1));
        }
        """);

    [Fact]
    public Task CGEN028_Fires_OnAUserFormattableKeyPart() => VerifyAsync(Usings + Item + """
        public sealed class Money(decimal amount) : IFormattable
        {
            public string ToString(string? format, IFormatProvider? provider) => amount.ToString("N2");
        }
        public sealed record Order(int Id, Money Total);
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Task<Item> Quote(Money {|CGEN028:price|});
            private Task<Item> QuoteCore(Money price) => Task.FromResult(new Item(1));

            [Cached("items", 60, {|CGEN028:Key = "o:{order}"|})]
            public partial Task<Item> ByOrder(Order order);
            private Task<Item> ByOrderCore(Order order) => Task.FromResult(new Item(1));
        }
        """);

    [Fact]
    public Task CGEN028_DoesNotFire_OnRecordsStructsAndTableTypes() => VerifyNoneAsync("CGEN028", Usings + Item + """
        public readonly record struct Sku(int Code) : IFormattable
        {
            public string ToString(string? format, IFormatProvider? provider) => Code.ToString("N0");
        }
        public partial class Svc(ICacheClient cache)
        {
            [Cached("items", 60)]
            public partial Task<Item> Get(Sku sku, decimal price, Guid id, DateTimeOffset at, System.Numerics.BigInteger big);
            private Task<Item> GetCore(Sku sku, decimal price, Guid id, DateTimeOffset at, System.Numerics.BigInteger big) => Task.FromResult(new Item(1));
        }
        """);
}
