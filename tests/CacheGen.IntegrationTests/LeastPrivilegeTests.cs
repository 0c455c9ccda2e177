using CacheGen.IntegrationTests.Infrastructure;

namespace CacheGen.IntegrationTests;

/// <summary>
/// docs/design.md S9 for the operator commands: under a least-privilege ACL (docs/design.md, "Redis facts the tests rely on", plus what the runtime's
/// scripts and scans need) for a named user, caching, invalidation, pattern deletes, clear-all and server figures all work, and the
/// server refuses nothing but the harmless probes the client library makes at connect.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class LeastPrivilegeTests(ITestOutputHelper output)
{
    /// <summary>The least-privilege ACL of docs/design.md ("Redis facts the tests rely on") plus <c>type getrange</c> (write-back script), <c>script|load</c> and <c>select</c> (scans).</summary>
    internal const string Acl = AclBeforeMget + " +mget";

    /// <summary>The same ACL as documented before reads used <c>MGET</c> (entry and stamps in one command).</summary>
    internal const string AclBeforeMget = "on resetpass >apppw resetkeys ~cache:* resetchannels &cache:* &__Booksleeve_MasterChanged "
        + "-@all +get +set +del +unlink +scan +ping +publish +subscribe +pexpire +evalsha +eval +echo +info +client|setname "
        + "+type +getrange +script|load +select";

    private static readonly CachedMethod s_method = new("acl", "Acl.Get", 60, "fp");

    [RedisFact]
    public async Task LeastPrivilegeAcl_EveryRuntimeOperationWorks_NothingIsDenied()
    {
        // arrange: a named ACL user restricted to cache:* keys and the commands listed; the default user is switched
        // off, so nothing can succeed unless the client authenticates as that user (AUTH cacheapp apppw)
        using var server = RedisServerFixture.Start();
        (await server.ExecuteAsync("ACL", "SETUSER", "observer", "on", ">observerpw", "+acl|log")).EnsureSuccess();
        (await server.ExecuteAsync(["ACL", "SETUSER", "cacheapp", .. Acl.Split(' ')])).EnsureSuccess();
        (await server.ExecuteAsync("ACL", "SETUSER", "default", "off")).EnsureSuccess();
        using var cache = await TestCache.CreateAsync(server.Configuration + ",user=cacheapp,password=apppw", o =>
        {
            o.KeyPrefix = "cache";
            o.OperationTimeoutMs = 5000;
        });

        // act
        string first = await cache.GetAsync(s_method, "k", () => "v", ["t"]);
        string second = await cache.GetAsync(s_method, "k", () => "not called", ["t"]);
        await cache.Client.InvalidateKeyAsync("acl", "k");
        await cache.Client.InvalidateNamespaceAsync("acl");
        await cache.Client.InvalidateTagAsync("t");
        await cache.GetAsync(s_method, "k2", () => "v2");
        long patternRemoved = await cache.Client.InvalidatePatternAsync("acl", "k*");
        await cache.GetAsync(s_method, "k3", () => "v3");
        var stats = await cache.Client.GetStatisticsAsync();
        long cleared = await cache.Client.ClearAsync();

        // assert: StackExchange.Redis 2.x/3.x also probes CLUSTER SLOTS and CLIENT ID at connect; refusing them is harmless
        var denied = await RedisNodeQueries.DeniedAsync(server, "observer", "observerpw");
        output.WriteLine($"{stats}; pattern removed {patternRemoved}, cleared {cleared}; denied: {string.Join(", ", denied)}");
        Assert.Equal(("v", "v"), (first, second));
        Assert.Equal(2, patternRemoved);
        Assert.Equal(4, cleared);
        Assert.NotNull(stats.RedisUsedMemoryBytes);
        Assert.Equal(0, stats.Errors);
        Assert.Equal(0, stats.PendingInvalidations);
        Assert.False(cache.Store.IsReadOnly);
        Assert.All(denied, d => Assert.Contains(d, (string[])["config|get", "cluster|nodes", "cluster|slots", "client|id", "__Booksleeve_TieBreak", "cluster", "config"]));
    }

    [RedisFact]
    public async Task AclWrittenBeforeMget_ReadsFallBackToGets_AfterOneDeniedRead()
    {
        // arrange: an application whose ACL was written for an earlier CacheGen (no +mget)
        using var server = RedisServerFixture.Start();
        (await server.ExecuteAsync(["ACL", "SETUSER", "cacheapp", .. AclBeforeMget.Split(' ')])).EnsureSuccess();
        (await server.ExecuteAsync("ACL", "SETUSER", "default", "off")).EnsureSuccess();
        using var cache = await TestCache.CreateAsync(server.Configuration + ",user=cacheapp,password=apppw", o =>
        {
            o.KeyPrefix = "cache";
            o.OperationTimeoutMs = 5000;
            o.L1.Enabled = false;
        });

        // act: the first read is denied (a miss served by the factory), the next ones read with GET
        var results = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            results.Add(await cache.GetAsync(s_method, "old-acl", () => "v" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        // assert: one denied read at most, then a write-back and hits, and the circuit stays closed
        var stats = cache.Client.GetStatistics();
        output.WriteLine($"{string.Join(", ", results)}; {stats}");
        Assert.True(stats.Errors <= 1, stats.ToString());
        Assert.True(stats.Hits >= 3, stats.ToString());
        Assert.Equal(CircuitState.Closed, stats.CircuitState);
    }
}
