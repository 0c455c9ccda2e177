using System.Diagnostics;
using System.Globalization;
using CacheGen.IntegrationTests.Infrastructure;

namespace CacheGen.IntegrationTests;

/// <summary>
/// The Redis-level hit with the backplane's local stamps (docs/design.md "The Redis hit path", "Local stamps"): one
/// <c>GET</c> while the backplane is in sync, other clients' invalidations honoured within the backplane's window, a
/// killed subscription and a stamp lost in Redis never leaving a stale entry accepted beyond the documented bounds.
/// Default options, except that L1 is off for the namespace read, so that every hit is served by Redis.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class LocalStampTests(RedisServerFixture server, ITestOutputHelper output)
{
    private static readonly CachedMethod s_users = new("users", "User.Get", 600, "fp-users");
    private static readonly string[] s_tags = ["team:1"];

    /// <summary>The backplane's lease with the default ping interval (3 × 1 s): the documented bound of the window.</summary>
    private static readonly TimeSpan s_lease = TimeSpan.FromSeconds(3);

    [RedisFact]
    public async Task RedisHit_WithTheBackplaneInSync_IsOneGetOfTheEntry()
    {
        // arrange: a tagged entry, its stamps read once (an MGET), the backplane in sync
        using var cache = await CreateAsync(TestCache.NewPrefix());
        await FillAsync(cache, "one-get");
        await WaitForLocalHitsAsync(cache, "one-get");
        long hitsBefore = cache.Client.GetStatistics().Hits;
        int syncEventsBefore = SyncEvents(cache);
        var before = await server.CommandCallsAsync();

        // act
        var results = new List<string>();
        for (int i = 0; i < 10; i++)
        {
            results.Add(await cache.GetAsync(s_users, "one-get", () => "not called", s_tags));
        }

        // assert: ten hits, each one GET of the entry and no MGET (the counts are the server's; the output says whether the
        // backplane lost or regained its sync meanwhile, which would make reads fetch the stamps again)
        var after = await server.CommandCallsAsync();
        long Delta(string command) => after.GetValueOrDefault(command) - before.GetValueOrDefault(command);
        output.WriteLine($"get {Delta("get")}, mget {Delta("mget")}; backplane sync events (lost/resynced) during the reads: {SyncEvents(cache) - syncEventsBefore}; {cache.Client.GetStatistics()}");
        Assert.Equal(Enumerable.Repeat("v1", 10), results);
        Assert.Equal(hitsBefore + 10, cache.Client.GetStatistics().Hits);
        Assert.Equal(10, Delta("get"));
        Assert.Equal(0, Delta("mget"));
    }

    [RedisTheory]
    [InlineData("tag")]
    [InlineData("namespace")]
    public async Task InvalidationInAnotherClient_IsHonouredWithinTheWindow(string scope)
    {
        // arrange: two clients on one prefix (two processes' worth: separate multiplexers and backplanes); the reader
        // holds the entry's stamps and hits with one GET
        string prefix = TestCache.NewPrefix();
        using var writer = await CreateAsync(prefix);
        using var reader = await CreateAsync(prefix);
        var source = new Source();
        await FillAsync(reader, "k", source);
        await WaitForLocalHitsAsync(reader, "k");
        await WaitSyncedAsync(writer);

        // act: the writer invalidates; the reader reads until it sees the new value
        if (scope == "tag")
        {
            await writer.Client.InvalidateTagAsync("team:1");
        }
        else
        {
            await writer.Client.InvalidateNamespaceAsync("users");
        }

        var returned = Stopwatch.StartNew();
        string value;
        do
        {
            value = await reader.GetAsync(s_users, "k", () => source.Get("k"), s_tags);
        }
        while (value == "v1" && returned.Elapsed < TimeSpan.FromSeconds(10));
        var seen = returned.Elapsed;

        // assert: within the window (the lease bounds it), and never the old value again
        output.WriteLine($"{scope}: the reader saw the new value {seen.TotalMilliseconds:F1} ms after the invalidation returned; {reader.Client.GetStatistics()}");
        Assert.Equal("v2", value);
        Assert.True(seen < s_lease, $"the old value was accepted {seen.TotalMilliseconds:F0} ms after the invalidation returned (bound {s_lease.TotalMilliseconds} ms)");
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal("v2", await reader.GetAsync(s_users, "k", () => source.Get("k"), s_tags));
        }
    }

    [RedisFact]
    public async Task KilledSubscription_ReadsTheStampsAgain_NoStaleRead()
    {
        // arrange: the reader hits with one GET, then its subscription is killed and an invalidation goes out that it
        // cannot hear
        string prefix = TestCache.NewPrefix();
        using var writer = await CreateAsync(prefix);
        using var reader = await CreateAsync(prefix);
        var source = new Source();
        await FillAsync(reader, "k", source);
        await WaitForLocalHitsAsync(reader, "k");
        await WaitSyncedAsync(writer);

        // SUBSCRIBE denied until the read is done, so the subscription cannot be remade before the invalidation
        // goes out: its message is lost to the reader for sure (as in L1BackplaneTests)
        Stopwatch noticed;
        string value;
        IReadOnlyDictionary<string, long> before, after;
        (await server.ExecuteAsync("ACL", "SETUSER", "default", "-subscribe", "-psubscribe", "-ssubscribe")).EnsureSuccess();
        try
        {
            (await server.ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub")).EnsureSuccess();
            noticed = Stopwatch.StartNew();
            while (reader.Client.Backplane!.IsSynced && noticed.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(5);
            }

            Assert.False(reader.Client.Backplane.IsSynced, "the reader's backplane did not notice the killed subscription");
            await writer.Client.InvalidateTagAsync("team:1");
            before = await server.CommandCallsAsync();

            // act: the reader reads at once, its subscription down (the message is lost to it)
            value = await reader.GetAsync(s_users, "k", () => source.Get("k"), s_tags);
            after = await server.CommandCallsAsync();
        }
        finally
        {
            (await server.ExecuteAsync("ACL", "SETUSER", "default", "+subscribe", "+psubscribe", "+ssubscribe")).EnsureSuccess();
        }

        // assert: the stamps were read again (MGET), the new value served; and it stays so after the resync (up to two
        // leases without a ping, then a new subscription: WaitSyncedAsync allows 15 s)
        output.WriteLine($"noticed in {noticed.ElapsedMilliseconds} ms; mget {after.GetValueOrDefault("mget") - before.GetValueOrDefault("mget")}, get {after.GetValueOrDefault("get") - before.GetValueOrDefault("get")}; {reader.Client.GetStatistics()}");
        Assert.Equal("v2", value);
        Assert.True(after.GetValueOrDefault("mget") > before.GetValueOrDefault("mget"), "the read did not fetch the stamps");
        await WaitSyncedAsync(reader);
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal("v2", await reader.GetAsync(s_users, "k", () => source.Get("k"), s_tags));
        }
    }

    [RedisFact]
    public async Task StampDeletedInRedis_IsHonouredWithinTheCopyLifetime()
    {
        // arrange: a copy lives at most L1:TtlSeconds (here 2 s, the bound under test); the reader hits with one GET
        string prefix = TestCache.NewPrefix();
        using var reader = await CreateAsync(prefix, o => o.L1.TtlSeconds = 2);
        var source = new Source();
        await FillAsync(reader, "k", source);
        await WaitForLocalHitsAsync(reader, "k");

        // act: the namespace stamp is deleted by hand (as an eviction would): "invalidated at an unknown time"
        (await server.ExecuteAsync("DEL", prefix + ":%ns:users")).EnsureSuccess();
        var deleted = Stopwatch.StartNew();
        string value;
        do
        {
            value = await reader.GetAsync(s_users, "k", () => source.Get("k"), s_tags);
            await Task.Delay(20);
        }
        while (value == "v1" && deleted.Elapsed < TimeSpan.FromSeconds(10));

        // assert: the old entry stops being accepted within the copy's lifetime (then the read finds the stamp missing,
        // recreates it, and misses), as an L1 copy of it would
        output.WriteLine($"the entry under the deleted stamp was accepted for {deleted.ElapsedMilliseconds} ms; {reader.Client.GetStatistics()}");
        Assert.Equal("v2", value);
        Assert.Equal(0, reader.Client.GetStatistics().Errors); // a miss for the stamp, not for a failed read
        Assert.True(await server.ExistsAsync(prefix + ":%ns:users"), "the read did not recreate the stamp");
        Assert.True(deleted.Elapsed < TimeSpan.FromSeconds(2) + TimeSpan.FromMilliseconds(500), $"accepted for {deleted.ElapsedMilliseconds} ms");
    }

    private Task<TestCache> CreateAsync(string prefix, Action<CacheGenOptions>? configure = null) =>
        TestCache.CreateAsync(server.Configuration, o =>
        {
            o.KeyPrefix = prefix;
            // L1 stays on (the backplane runs) but not for this namespace: every hit is served by Redis
            o.Namespaces["users"] = new CacheNamespaceOptions { L1 = false };
            // as CacheClientRedisTests: a read that passes 250 ms on this loaded machine would be a miss for another reason
            o.OperationTimeoutMs = 5000;
            configure?.Invoke(o);
        });

    private async Task FillAsync(TestCache cache, string key, Source? source = null)
    {
        source ??= new Source();
        await WaitSyncedAsync(cache);
        for (int i = 0; i < 100 && cache.Client.GetStatistics().Hits == 0; i++)
        {
            await cache.GetAsync(s_users, key, () => source.Get(key), s_tags);
        }

        Assert.True(cache.Client.GetStatistics().Hits > 0, "no hit after the fill");
    }

    /// <summary>Reads until a hit is one GET (the stamps held locally), or fails after 10 s.</summary>
    private async Task WaitForLocalHitsAsync(TestCache cache, string key)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            var before = await server.CommandCallsAsync();
            Assert.Equal("v1", await cache.GetAsync(s_users, key, () => "not called", s_tags));
            var after = await server.CommandCallsAsync();
            if (after.GetValueOrDefault("mget") == before.GetValueOrDefault("mget") && after.GetValueOrDefault("get") == before.GetValueOrDefault("get") + 1)
            {
                return;
            }

            await Task.Delay(20);
        }

        Assert.Fail("the hits never became one GET: " + cache.Client.GetStatistics());
    }

    /// <summary>Counts the backplane's "in sync" (110) and "sync lost" (111) events so far.</summary>
    private static int SyncEvents(TestCache cache) => cache.Logger.Collector.GetSnapshot().Count(e => e.Id.Id is 110 or 111);

    private static async Task WaitSyncedAsync(TestCache cache)
    {
        var waited = Stopwatch.StartNew();
        while (cache.Client.Backplane is not { IsSynced: true })
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(15), "the backplane did not sync");
            await Task.Delay(10);
        }
    }

    /// <summary>Each call returns the next version: v1, v2, …</summary>
    private sealed class Source
    {
        private int _calls;

        public string Get(string key) => "v" + Interlocked.Increment(ref _calls).ToString(CultureInfo.InvariantCulture);
    }
}
