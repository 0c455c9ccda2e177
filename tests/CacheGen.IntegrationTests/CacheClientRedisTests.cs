using System.Globalization;
using CacheGen.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace CacheGen.IntegrationTests;

/// <summary>The client over a real Redis: hits, misses, invalidation, corrupt entries, passwords and replicas.</summary>
[Collection(RedisCollection.Name)]
public sealed class CacheClientRedisTests(RedisServerFixture server, ITestOutputHelper output)
{
    private const string Password = "s3cret";
    private static readonly CachedMethod s_users = new("users", "User.Get", 60, "fp-users");
    private static readonly CachedMethod s_orders = new("orders", "Order.Get", 60, "fp-orders");

    [RedisFact]
    public async Task GetOrSet_SecondCall_IsAHitWithoutTheFactory()
    {
        // arrange
        using var cache = await CreateAsync();
        var source = new Source();

        // act
        string first = await cache.GetAsync(s_users, "42", () => source.Get("42"));
        string second = await cache.GetAsync(s_users, "42", () => source.Get("42"));

        // assert
        Assert.Equal("user-42#1", first);
        Assert.Equal(first, second);
        Assert.Equal(1, source.Calls);
        var stats = cache.Client.GetStatistics();
        Assert.Equal((1L, 1L, 0L), (stats.Hits, stats.Misses, stats.Errors));
        Assert.Equal("redis", stats.Store);
    }

    [RedisFact]
    public async Task GetOrSet_WritesTheFullKeyWithTheMethodTtl()
    {
        // arrange
        using var cache = await CreateAsync();
        string fullKey = cache.Client.GetFullKey("users", "7");

        // act
        await cache.GetAsync(s_users, "7", () => "seven");

        // assert
        Assert.Equal(cache.Options.KeyPrefix + ":users:7", fullKey);
        Assert.True(await server.ExistsAsync(fullKey));
        Assert.InRange(await server.PttlAsync(fullKey), 1, 60_000);
    }

    [RedisFact]
    public async Task InvalidateKey_NextCallRunsTheFactory()
    {
        // arrange
        using var cache = await CreateAsync();
        var source = new Source();
        await cache.GetAsync(s_users, "1", () => source.Get("1"));
        await cache.GetAsync(s_users, "2", () => source.Get("2"));

        // act
        await cache.Client.InvalidateKeyAsync("users", "1");

        // assert: only key 1 is recomputed, and the new value is cached again
        Assert.Equal("user-1#3", await cache.GetAsync(s_users, "1", () => source.Get("1")));
        Assert.Equal("user-2#2", await cache.GetAsync(s_users, "2", () => source.Get("2")));
        Assert.Equal("user-1#3", await cache.GetAsync(s_users, "1", () => source.Get("1")));
        Assert.Equal(3, source.Calls);
        Assert.Equal(0, cache.Client.GetStatistics().PendingInvalidations);
    }

    [RedisFact]
    public async Task InvalidateNamespace_EveryEntryOfTheNamespaceMisses_OthersHit()
    {
        // arrange
        using var cache = await CreateAsync();
        var source = new Source();
        await cache.GetAsync(s_users, "1", () => source.Get("u1"));
        await cache.GetAsync(s_users, "2", () => source.Get("u2"));
        await cache.GetAsync(s_orders, "1", () => source.Get("o1"));

        // act
        await cache.Client.InvalidateNamespaceAsync("users");

        // assert
        Assert.Equal("user-u1#4", await cache.GetAsync(s_users, "1", () => source.Get("u1")));
        Assert.Equal("user-u2#5", await cache.GetAsync(s_users, "2", () => source.Get("u2")));
        Assert.Equal("user-o1#3", await cache.GetAsync(s_orders, "1", () => source.Get("o1")));
        Assert.Equal("user-u1#4", await cache.GetAsync(s_users, "1", () => source.Get("u1")));
        Assert.Equal(5, source.Calls);
    }

    [RedisFact]
    public async Task InvalidateTag_EveryEntryWithTheTagMisses_InAnyNamespace()
    {
        // arrange
        using var cache = await CreateAsync();
        var source = new Source();
        string[] rack1 = ["rack:1"];
        string[] rack2 = ["rack:2"];
        await cache.GetAsync(s_users, "a", () => source.Get("a"), rack1);
        await cache.GetAsync(s_orders, "b", () => source.Get("b"), rack1);
        await cache.GetAsync(s_users, "c", () => source.Get("c"), rack2);

        // act
        await cache.Client.InvalidateTagAsync("rack:1");

        // assert
        Assert.Equal("user-a#4", await cache.GetAsync(s_users, "a", () => source.Get("a"), rack1));
        Assert.Equal("user-b#5", await cache.GetAsync(s_orders, "b", () => source.Get("b"), rack1));
        Assert.Equal("user-c#3", await cache.GetAsync(s_users, "c", () => source.Get("c"), rack2));
        Assert.Equal("user-a#4", await cache.GetAsync(s_users, "a", () => source.Get("a"), rack1));
        Assert.Equal(5, source.Calls);
    }

    [RedisFact]
    public async Task GetOrSet_CorruptBytesUnderTheKey_AreACountedMissThenOverwritten()
    {
        // arrange: garbage written by someone else under our full key
        using var cache = await CreateAsync();
        var source = new Source();
        string fullKey = cache.Client.GetFullKey("users", "9");
        await server.SetBytesAsync(fullKey, [0xff, 0xfe, 0x00, .. "garbage"u8]);

        // act
        string first = await cache.GetAsync(s_users, "9", () => source.Get("9"));
        var afterFirst = cache.Client.GetStatistics();
        string second = await cache.GetAsync(s_users, "9", () => source.Get("9"));

        // assert
        Assert.Equal("user-9#1", first);
        Assert.Equal(first, second);
        Assert.Equal(1, source.Calls);
        Assert.Equal((0L, 1L, 1L), (afterFirst.Hits, afterFirst.Misses, afterFirst.Errors));
        Assert.Equal(1, cache.Client.GetStatistics().Hits);
        Assert.Contains(cache.Logger.Collector.GetSnapshot(), e => e.Id.Name == "CorruptEntry" && e.Level == LogLevel.Warning);
    }

    [RedisFact]
    public async Task GetOrSet_EntryCopiedFromAnotherKey_IsACountedMissThenOverwritten()
    {
        // arrange: a valid entry of key A, copied under key B
        using var cache = await CreateAsync();
        await cache.GetAsync(s_users, "A", () => "value-of-A");
        byte[] entryOfA = (await server.GetBytesAsync(cache.Client.GetFullKey("users", "A")))!;
        await server.SetBytesAsync(cache.Client.GetFullKey("users", "B"), entryOfA);

        // act
        string first = await cache.GetAsync(s_users, "B", () => "value-of-B");
        string second = await cache.GetAsync(s_users, "B", () => "not called");

        // assert
        Assert.Equal("value-of-B", first);
        Assert.Equal("value-of-B", second);
        Assert.Equal(1, cache.Client.GetStatistics().Errors);
    }

    [RedisFact]
    public async Task GetOrSet_KeyHoldingAList_IsAMissThenOverwritten()
    {
        // arrange (docs/design.md S17: LPUSH on the key, so GET replies WRONGTYPE)
        using var cache = await CreateAsync();
        string fullKey = cache.Client.GetFullKey("users", "list");
        (await server.ExecuteAsync("LPUSH", fullKey, "not-an-entry")).EnsureSuccess();

        // act
        var results = new List<string>();
        for (int i = 0; i < 6; i++)
        {
            results.Add(await cache.GetAsync(s_users, "list", () => "fresh#" + i.ToString(CultureInfo.InvariantCulture)));
        }

        // assert: a miss served by the factory, then the bad entry is overwritten and the next calls hit,
        // and one bad key does not open the circuit for every other key
        var stats = cache.Client.GetStatistics();
        output.WriteLine($"results {string.Join(", ", results)}; {stats}; Redis holds a {await server.RunAsync("TYPE", fullKey)}");
        Assert.Equal(Enumerable.Repeat("fresh#0", 6), results);
        Assert.Equal(5, stats.Hits);
        Assert.Equal(CircuitState.Closed, stats.CircuitState);
    }

    [RedisFact]
    public async Task StoreErrors_KeysReachDebugLogsOnly()
    {
        // arrange (docs/design.md G4: cache keys go to Debug only, because they may hold user data):
        // a wrong password makes every command fail with the client library's own exception
        using var secured = RedisServerFixture.Start("--requirepass", Password);
        using var cache = await CreateAsync(secured.Configuration + ",password=wr0ng-pw", o => o.OperationTimeoutMs = 250, connect: false);
        using (var connecting = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            await cache.Store.GetConnectionAsync(connecting.Token);
        }

        const string UserData = "alice@example.com";

        // act
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal("v", await cache.GetAsync(s_users, UserData, () => "v"));
        }

        // assert
        var leaks = cache.Logger.Collector.GetSnapshot().Where(e => e.Level > LogLevel.Debug && (e.Message + "\n" + e.Exception).Contains(UserData, StringComparison.Ordinal)).ToList();
        foreach (var leak in leaks)
        {
            output.WriteLine($"{leak.Level} {leak.Id.Name}: {leak.Message} / {leak.Exception?.GetType().Name}: {leak.Exception?.Message}");
        }

        // a wrong password is reported as such, at Error, at most once (under load the first failure may still be the
        // connect timing out before the server said NOAUTH, which is a connection Warning)
        Assert.Contains(cache.Logger.Collector.GetSnapshot(), e => e.Level >= LogLevel.Warning && e.Id.Name is "AuthenticationFailed" or "StoreError");
        Assert.True(cache.Logger.Collector.GetSnapshot().Count(e => e.Id.Name == "AuthenticationFailed") <= 1);
        Assert.Empty(leaks);
    }

    [RedisFact]
    public async Task GetOrSet_WithPasswordInConnectionString_Caches()
    {
        // arrange
        using var secured = RedisServerFixture.Start("--requirepass", Password);
        using var cache = await CreateAsync(secured.Configuration + ",password=" + Password);

        // act, assert
        await AssertMissThenHitAsync(cache, secured);
    }

    [RedisFact]
    public async Task GetOrSet_TombstoneDeletedWhileFactoryRuns_LateWriteBackIsRefused()
    {
        // arrange: issue 9 — a miss of an absent key; while the factory runs the key is invalidated and its tombstone
        // is lost (evicted under maxmemory; deleted here), so the key is absent again when the write-back arrives
        using var cache = await CreateAsync();
        string fullKey = cache.Client.GetFullKey("users", "lost");
        string current = "old";
        async ValueTask<string> Core(int _, CancellationToken ct)
        {
            string read = current;
            current = "new";
            await cache.Client.InvalidateKeyAsync("users", "lost");
            Assert.True(await server.ExistsAsync(fullKey));
            await server.RunAsync("DEL", fullKey);
            return read;
        }

        // act
        string raced = await cache.Client.GetOrSetAsync(s_users, "lost", null, 0, Core);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!cache.Logger.Collector.GetSnapshot().Any(e => e.Id.Id is 3 or 4) && waited.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(10);
        }

        string next = await cache.GetAsync(s_users, "lost", () => current);

        // assert: the write-back was refused (event 4), so the lost tombstone cost a miss, not the old value
        Assert.Equal("old", raced);
        Assert.Contains(cache.Logger.Collector.GetSnapshot(), e => e.Id.Id == 4);
        Assert.Equal("new", next);
    }

    [RedisFact]
    public async Task GetOrSet_WithPasswordInRedisUrl_Caches()
    {
        // arrange
        using var secured = RedisServerFixture.Start("--requirepass", Password);
        using var cache = await CreateAsync($"redis://:{Password}@127.0.0.1:{secured.Port.ToString(CultureInfo.InvariantCulture)}");

        // act, assert
        await AssertMissThenHitAsync(cache, secured);
    }

    [RedisFact]
    public async Task GetOrSet_WrongPassword_ServedByTheFactoryWithErrorsCounted()
    {
        // arrange
        using var secured = RedisServerFixture.Start("--requirepass", Password);
        using var cache = await CreateAsync(secured.Configuration + ",password=wr0ng-pw", o => o.OperationTimeoutMs = 250, connect: false);
        var source = new Source();

        // act: no exception may reach the caller
        var results = new List<string>();
        for (int i = 0; i < 8; i++)
        {
            results.Add(await cache.GetAsync(s_users, "k", () => source.Get("k")));
        }

        await cache.Client.InvalidateKeyAsync("users", "k");

        // assert
        Assert.Equal(Enumerable.Range(1, 8).Select(i => "user-k#" + i), results);
        var stats = cache.Client.GetStatistics();
        output.WriteLine($"wrong password: {stats}");
        foreach (var entry in cache.Logger.Collector.GetSnapshot().Where(e => e.Level >= LogLevel.Warning))
        {
            output.WriteLine($"{entry.Level} {entry.Id.Name}: {entry.Message} [{entry.Exception?.GetType().Name}: {entry.Exception?.Message}]");
        }

        Assert.Equal(0, stats.Hits);
        Assert.True(stats.Errors >= 8, $"expected every read to count an error, got {stats.Errors}");
        Assert.Equal(1, stats.PendingInvalidations);
        Assert.False(await secured.ExistsAsync(cache.Client.GetFullKey("users", "k")));
    }

    [RedisFact]
    public async Task GetOrSet_WrongPassword_NoSecretReachesTheLogs()
    {
        // arrange (docs/design.md S9: grep the captured output for the password, expect 0 hits)
        using var secured = RedisServerFixture.Start("--requirepass", Password);
        using var cache = await CreateAsync(secured.Configuration + ",password=wr0ng-pw", o => o.OperationTimeoutMs = 250, connect: false);

        // act
        for (int i = 0; i < 8; i++)
        {
            await cache.GetAsync(s_users, "k" + i.ToString(CultureInfo.InvariantCulture), () => "v");
        }

        // assert
        Assert.NotEmpty(cache.Logger.Collector.GetSnapshot());
        Assert.DoesNotContain(cache.Logger.Collector.GetSnapshot(), e => (e.Message + "\n" + e.Exception).Contains("wr0ng-pw", StringComparison.Ordinal));
    }

    [RedisFact]
    public async Task GetOrSet_ThroughAReplica_ReadsHitAndWriteBacksAreSkipped()
    {
        // arrange: a primary of our own (diskless sync without the default 5 s delay) and its replica
        using var primary = RedisServerFixture.Start("--repl-diskless-sync-delay", "0");
        using var replica = RedisServerFixture.Start("--replicaof", "127.0.0.1", primary.Port.ToString(CultureInfo.InvariantCulture));
        await replica.WaitForReplicationAsync(TimeSpan.FromSeconds(10));
        string prefix = TestCache.NewPrefix();
        using var writer = await CreateAsync(primary.Configuration, o => o.KeyPrefix = prefix);
        var source = new Source();
        for (int i = 0; i < 5; i++)
        {
            string key = i.ToString(CultureInfo.InvariantCulture);
            await writer.GetAsync(s_users, key, () => source.Get(key));
        }

        await WaitUntilAsync(() => replica.ExistsAsync(writer.Client.GetFullKey("users", "4")), TimeSpan.FromSeconds(5));
        using var reader = await CreateAsync(replica.Configuration, o => o.KeyPrefix = prefix);

        // act: entries written on the primary, read through the replica
        var hits = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            string key = i.ToString(CultureInfo.InvariantCulture);
            hits.Add(await reader.GetAsync(s_users, key, () => "not called"));
        }

        // a miss on the replica: the factory's value is returned and, the replica being detected, not written back
        string missed = await reader.GetAsync(s_users, "new", () => source.Get("new"));
        string again = await reader.GetAsync(s_users, "new", () => source.Get("new"));

        // assert
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"user-{i}#{i + 1}"), hits);
        Assert.Equal("user-new#6", missed);
        var stats = reader.Client.GetStatistics();
        output.WriteLine($"replica reader: {stats}; second read of the miss: {again}");
        output.WriteLine("reader warnings: " + string.Join(" | ", reader.Logger.Collector.GetSnapshot().Where(e => e.Level >= LogLevel.Warning).Select(e => e.Message + " " + e.Exception?.Message)));
        Assert.Equal(5, stats.Hits);

        // the write-back is skipped, not failed: no error, nothing on the primary (ReplicaTests covers S8 in full)
        Assert.Equal("user-new#7", again);
        Assert.Equal(0, stats.Errors);
        Assert.False(await primary.ExistsAsync(reader.Client.GetFullKey("users", "new")));
    }

    private static async Task AssertMissThenHitAsync(TestCache cache, RedisServerFixture secured)
    {
        var source = new Source();
        Assert.Equal("user-p#1", await cache.GetAsync(s_users, "p", () => source.Get("p")));
        Assert.Equal("user-p#1", await cache.GetAsync(s_users, "p", () => source.Get("p")));
        Assert.Equal(1, source.Calls);
        Assert.Equal((1L, 0L), (cache.Client.GetStatistics().Hits, cache.Client.GetStatistics().Errors));
        Assert.True(await secured.ExistsAsync(cache.Client.GetFullKey("users", "p")));
        Assert.DoesNotContain(cache.Logger.Collector.GetSnapshot(), e => (e.Message + "\n" + e.Exception).Contains(Password, StringComparison.Ordinal));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(elapsed.Elapsed < timeout, "timed out waiting for a condition");
            await Task.Delay(20);
        }
    }

    // functional tests: a generous timeout, so a busy machine cannot turn a first call into a counted timeout
    [RedisFact]
    public async Task GetOrSet_RedisHit_IsOneMgetOfTheEntryAndItsStamps()
    {
        // arrange (docs/design.md "The Redis hit path"): a tagged entry in Redis, L1 off so that every hit reads Redis
        using var cache = await CreateAsync(o => o.L1.Enabled = false);
        string[] tags = ["team:1"];
        for (int i = 0; i < 50 && cache.Client.GetStatistics().Hits == 0; i++)
        {
            await cache.GetAsync(s_users, "one-command", () => "v", tags);
        }

        long hitsBefore = cache.Client.GetStatistics().Hits;
        var before = await server.CommandCallsAsync();

        // act
        var results = new List<string>();
        for (int i = 0; i < 10; i++)
        {
            results.Add(await cache.GetAsync(s_users, "one-command", () => "not called", tags));
        }

        // assert: ten hits, each one MGET (entry, epoch, namespace stamp, tag stamp) and no GET
        var after = await server.CommandCallsAsync();
        long Delta(string command) => after.GetValueOrDefault(command) - before.GetValueOrDefault(command);
        output.WriteLine($"mget {Delta("mget")}, get {Delta("get")}; {cache.Client.GetStatistics()}");
        Assert.Equal(Enumerable.Repeat("v", 10), results);
        Assert.Equal(hitsBefore + 10, cache.Client.GetStatistics().Hits);
        Assert.Equal(10, Delta("mget"));
        Assert.Equal(0, Delta("get"));
    }

    private Task<TestCache> CreateAsync(Action<CacheGenOptions>? configure = null) =>
        CreateAsync(server.Configuration, configure);

    private static Task<TestCache> CreateAsync(string connection, Action<CacheGenOptions>? configure = null, bool connect = true) =>
        TestCache.CreateAsync(connection, o => { o.OperationTimeoutMs = 5000; configure?.Invoke(o); }, connect);

    /// <summary>The data source behind a cached method: each call returns a new version, so a stale value is visible.</summary>
    private sealed class Source
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public string Get(string id) => $"user-{id}#{Interlocked.Increment(ref _calls).ToString(CultureInfo.InvariantCulture)}";
    }
}
