using System.Net;
using CacheGen.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace CacheGen.IntegrationTests;

/// <summary>
/// The sample API hosted in-process, against the in-memory store and a real redis-server: what a seed team checks
/// before trusting it (issue 12's "done when").
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class SampleApiTests(RedisServerFixture redis)
{
    private static readonly (string Name, string Path, string User)[] s_probes =
    [
        ("thermal r1", "/api/racks/1/thermal-analysis", "alice"),
        ("optimization r1 balanced", "/api/racks/1/optimization?strategy=balanced", "alice"),
        ("optimization r1 power", "/api/racks/1/optimization?strategy=power", "alice"),
        ("thermal r2", "/api/racks/2/thermal-analysis", "alice"),
        ("optimization r2", "/api/racks/2/optimization?strategy=thermal", "alice"),
        ("alice's racks", "/api/users/me/racks?page=1", "alice"),
        ("alice's racks p2", "/api/users/me/racks?page=2", "alice"),
        ("bob's racks", "/api/users/me/racks?page=1", "bob"),
        ("search", "/api/specs/search?q=arista&limit=5", "alice"),
    ];

    [RedisTheory]
    [InlineData("memory")]
    [InlineData("redis")]
    public async Task ReadEndpoints_MissThenHit_WarmIsAtLeastTenTimesFaster(string store)
    {
        // arrange: the real cost of each endpoint (work factor 1)
        await using var host = await SampleHost.StartAsync(store, redis);
        // (the key's head: how an enum or a space is written in a key is the key builder's business)
        (string Path, string Key, int Ttl)[] endpoints =
        [
            ("/api/racks/3/thermal-analysis", "thermal:rack:3", 300),
            ("/api/racks/3/optimization?strategy=thermal", "optimization:rack:3:", 600),
            ("/api/specs/search?q=dell%20r7", "specs:search:dell", 3600),
            ("/api/users/me/racks?page=2", "user-racks:user:alice:page:2", 120),
        ];

        foreach (var (path, key, ttl) in endpoints)
        {
            // act
            var cold = await host.GetAsync(path);
            var warm = new List<SampleReply>();
            for (int i = 0; i < 5; i++)
            {
                warm.Add(await host.GetAsync(path));
            }

            // assert
            Assert.Equal(HttpStatusCode.OK, cold.Status);
            Assert.Equal(("MISS", ttl), (cold.Cache, cold.Ttl));
            Assert.StartsWith(host.Prefix + ":" + key, cold.Key, StringComparison.Ordinal);
            Assert.All(warm, w => Assert.Equal(("HIT", cold.Key, cold.Body), (w.Cache, w.Key, w.Body)));
            Assert.All(warm, w => Assert.InRange(w.Ttl!.Value, ttl - 30, ttl));
            double median = warm.Select(w => w.Ms).Order().ElementAt(2);
            Assert.True(cold.Ms >= 10 * median, $"{path} on {store}: cold {cold.Ms:0.0} ms, warm median {median:0.00} ms (all warm: {string.Join(", ", warm.Select(w => w.Ms.ToString("0.00")))})");
        }
    }

    [RedisTheory]
    [InlineData("memory")]
    [InlineData("redis")]
    public async Task Mutations_InvalidateTheirEntriesAndNothingElse(string store)
    {
        // arrange: rack 1 is alice's, rack 2 bob's; cheap work, the point is which entries go
        await using var host = await SampleHost.StartAsync(store, redis, workFactor: 0.02);
        await ProbeAsync(host);
        Assert.All(await ProbeAsync(host), p => Assert.Equal("HIT", p.Value));
        string[] rack1 = ["thermal r1", "optimization r1 balanced", "optimization r1 power"];
        string[] alice = ["alice's racks", "alice's racks p2"];

        // act + assert, one change at a time
        await ChangeAsync(HttpMethod.Put, "/api/racks/1", new { name = "R-renamed" }, HttpStatusCode.OK, alice);
        await ChangeAsync(HttpMethod.Put, "/api/racks/1", new { inletCelsius = 27.5 }, HttpStatusCode.OK, rack1);
        await ChangeAsync(HttpMethod.Put, "/api/racks/1", new { site = "lon3", maxPowerKw = 20 }, HttpStatusCode.OK, [.. rack1, .. alice]);
        var added = await ChangeAsync(HttpMethod.Post, "/api/racks/1/positions", new { slotU = 40, specId = "cisco-00004" }, HttpStatusCode.Created, [.. rack1, .. alice]);
        await ChangeAsync(HttpMethod.Delete, $"/api/racks/1/positions/{added.Json.GetProperty("id").GetInt32()}", null, HttpStatusCode.NoContent, [.. rack1, .. alice]);
        await ChangeAsync(HttpMethod.Delete, "/api/racks/1", null, HttpStatusCode.NoContent, [.. rack1, .. alice], gone: rack1);

        async Task<SampleReply> ChangeAsync(HttpMethod method, string path, object? body, HttpStatusCode expected, string[] invalidated, string[]? gone = null)
        {
            var reply = await host.SendAsync(method, path, body);
            Assert.Equal(expected, reply.Status);
            var after = await ProbeAsync(host);
            var wanted = s_probes.ToDictionary(p => p.Name, p => gone?.Contains(p.Name) == true ? "404" : invalidated.Contains(p.Name) ? "MISS" : "HIT");
            Assert.Equal(wanted, after);

            // the recomputed entries are cached again
            Assert.All(await ProbeAsync(host), p => Assert.Equal(gone?.Contains(p.Key) == true ? "404" : "HIT", p.Value));
            return reply;
        }
    }

    [RedisTheory]
    [InlineData("memory")]
    [InlineData("redis")]
    public async Task Stats_HaveEverySeedField(string store)
    {
        // arrange
        await using var host = await SampleHost.StartAsync(store, redis, workFactor: 0.02);
        var before = (await host.AdminAsync(HttpMethod.Get, "/health/cache/stats")).Json;

        // act
        await host.GetAsync("/api/racks/5/thermal-analysis");
        await host.GetAsync("/api/racks/5/thermal-analysis");
        var stats = (await host.AdminAsync(HttpMethod.Get, "/health/cache/stats")).Json;

        // assert
        Assert.True(stats.GetProperty("enabled").GetBoolean());
        Assert.True(stats.GetProperty("available").GetBoolean());
        Assert.Equal(0, stats.GetProperty("failure_count").GetInt64());
        Assert.Equal(1, stats.GetProperty("hits").GetInt64() - before.GetProperty("hits").GetInt64());
        Assert.Equal(1, stats.GetProperty("misses").GetInt64() - before.GetProperty("misses").GetInt64());
        Assert.InRange(stats.GetProperty("hit_rate").GetDouble(), 0, 1);
        foreach (string field in (string[])["keyspace_hits", "keyspace_misses", "used_memory", "connected_clients"])
        {
            // Redis's own figures; the in-memory store has none, and says so with null rather than a made-up zero
            Assert.Equal(store == "redis" ? System.Text.Json.JsonValueKind.Number : System.Text.Json.JsonValueKind.Null, stats.GetProperty(field).ValueKind);
        }

        // with no Redis, L1 is the store: what it holds (the entry just cached, at least); with Redis, null
        if (store == "memory")
        {
            Assert.True(stats.GetProperty("l1_entries").GetInt32() >= 1);
            Assert.True(stats.GetProperty("l1_bytes").GetInt64() > 0);
        }
        else
        {
            Assert.Equal(System.Text.Json.JsonValueKind.Null, stats.GetProperty("l1_entries").ValueKind);
        }

        if (store == "redis")
        {
            Assert.True(stats.GetProperty("keyspace_hits").GetInt64() > 0);
            Assert.True(stats.GetProperty("used_memory").GetInt64() > 0);
            Assert.True(stats.GetProperty("connected_clients").GetInt64() >= 1);
        }
    }

    [Fact]
    public async Task OperatorEndpoints_WithoutTheAdminKey_Are401AndChangeNothing()
    {
        // arrange
        await using var host = await SampleHost.StartAsync("memory", redis, workFactor: 0.02);
        await host.GetAsync("/api/racks/4/thermal-analysis");
        (HttpMethod Method, string Path)[] endpoints =
        [
            (HttpMethod.Get, "/health/cache/stats"),
            (HttpMethod.Delete, "/health/cache/invalidate/thermal:*"),
            (HttpMethod.Post, "/health/cache/clear"),
            (HttpMethod.Get, "/health/detailed"),
        ];

        foreach (var (method, path) in endpoints)
        {
            foreach (string? key in (string?[])[null, string.Empty, "wrong", SampleHost.AdminKey + "x", SampleHost.AdminKey.ToUpperInvariant()])
            {
                // act
                var reply = await host.SendAsync(method, path, adminKey: key);

                // assert
                Assert.Equal((HttpStatusCode.Unauthorized, "application/problem+json"), (reply.Status, reply.ContentType));
            }

            Assert.Equal(HttpStatusCode.OK, (await host.AdminAsync(method, path)).Status);
            if (method == HttpMethod.Get)
            {
                continue;
            }

            // the refused calls deleted nothing; the accepted one did
            Assert.Equal("MISS", (await host.GetAsync("/api/racks/4/thermal-analysis")).Cache);
            Assert.Equal("HIT", (await host.GetAsync("/api/racks/4/thermal-analysis")).Cache);
        }
    }

    [RedisTheory]
    [InlineData("memory")]
    [InlineData("redis")]
    public async Task InvalidatePattern_HostilePatterns_NeverDeleteOutsideTheNamespace(string store)
    {
        // arrange: entries in every namespace, and (on Redis) keys of other prefixes and applications
        // (a NUL cannot pass the in-process test server's URL decoding: SampleAppTests sends it to Kestrel)
        await using var host = await SampleHost.StartAsync(store, redis, workFactor: 0.02);
        string[] outside = [$"{host.Prefix}x:thermal:rack:1", $"other:thermal:rack:1", "thermal:rack:1", $"{host.Prefix}"];
        if (store == "redis")
        {
            foreach (string key in outside)
            {
                await redis.RunAsync("SET", key, "keep");
            }
        }

        string[] paths = ["/api/racks/1/thermal-analysis", "/api/racks/1/optimization?strategy=power", "/api/specs/search?q=dell", "/api/users/me/racks?page=1"];
        foreach (string path in paths)
        {
            await host.GetAsync(path);
        }

        string[] hostile =
        [
            "*", "?", "[", "*:*", "?:*", "[a-z]*:*", "thermal*:*", "thermal?:*", ":*", "%2A", "..%2F*",
            "thermal:\u00e9*", "thermal: *", "thermal:\t*", "thermal:\u007f*",
            new string('*', 5000), "thermal:" + new string('*', 5000), "thermal:" + new string('a', 5000),
        ];

        foreach (string pattern in hostile)
        {
            // act
            var reply = await host.AdminAsync(HttpMethod.Delete, "/health/cache/invalidate/" + Uri.EscapeDataString(pattern));

            // assert: refused as bad input, with the reason
            Assert.True(reply.Status == HttpStatusCode.BadRequest, $"{Show(pattern)}: {(int)reply.Status} {reply.Body}");
            Assert.Equal("application/problem+json", reply.ContentType);
        }

        // patterns that are valid but hostile stay inside {prefix}:thermal:
        foreach (string pattern in (string[])["thermal:[", "thermal:\\", "thermal:[^a]", "thermal:rack:[", "thermal:?"])
        {
            var reply = await host.AdminAsync(HttpMethod.Delete, "/health/cache/invalidate/" + Uri.EscapeDataString(pattern));
            Assert.True(reply.Status == HttpStatusCode.OK, $"{Show(pattern)}: {(int)reply.Status} {reply.Body}");
            Assert.Equal(0, reply.Json.GetProperty("deleted_count").GetInt64());
        }

        Assert.All(paths, path => Assert.Equal("HIT", host.GetAsync(path).GetAwaiter().GetResult().Cache));
        var all = await host.AdminAsync(HttpMethod.Delete, "/health/cache/invalidate/" + Uri.EscapeDataString("thermal:*"));
        Assert.Equal(HttpStatusCode.OK, all.Status);
        Assert.True(all.Json.GetProperty("deleted_count").GetInt64() >= 1, all.Body);
        Assert.Equal(["MISS", "HIT", "HIT", "HIT"], paths.Select(path => host.GetAsync(path).GetAwaiter().GetResult().Cache));
        if (store == "redis")
        {
            foreach (string key in outside)
            {
                Assert.Equal("keep"u8.ToArray(), await redis.GetBytesAsync(key));
                await redis.RunAsync("DEL", key);
            }
        }
    }

    [Fact]
    public async Task BadClientInput_Is400ProblemDetailsNever500()
    {
        // arrange
        await using var host = await SampleHost.StartAsync("memory", redis, workFactor: 0.02);
        (HttpMethod Method, string Path, object? Body, string? User)[] requests =
        [
            (HttpMethod.Get, "/api/specs/search?q=dell&limit=-1", null, "alice"),
            (HttpMethod.Get, "/api/specs/search?q=dell&limit=0", null, "alice"),
            (HttpMethod.Get, "/api/specs/search?q=dell&limit=101", null, "alice"),
            (HttpMethod.Get, "/api/specs/search?q=dell&limit=ten", null, "alice"),
            (HttpMethod.Get, "/api/specs/search", null, "alice"),
            (HttpMethod.Get, "/api/specs/search?q=%20d%20", null, "alice"),
            (HttpMethod.Get, "/api/specs/search?q=" + new string('x', 65), null, "alice"),
            (HttpMethod.Get, "/api/specs/search?q=del%00l", null, "alice"),
            (HttpMethod.Get, "/api/racks/abc/thermal-analysis", null, "alice"),
            (HttpMethod.Get, "/api/racks/0/thermal-analysis", null, "alice"),
            (HttpMethod.Get, "/api/racks/-3/thermal-analysis", null, "alice"),
            (HttpMethod.Get, "/api/racks/99999999999/thermal-analysis", null, "alice"),
            (HttpMethod.Get, "/api/racks/1/optimization", null, "alice"),
            (HttpMethod.Get, "/api/racks/1/optimization?strategy=fastest", null, "alice"),
            (HttpMethod.Get, "/api/racks/1/optimization?strategy=1", null, "alice"),
            (HttpMethod.Get, "/api/racks/1/optimization?strategy=power,thermal", null, "alice"),
            (HttpMethod.Get, "/api/users/me/racks?page=0", null, "alice"),
            (HttpMethod.Get, "/api/users/me/racks?page=-1", null, "alice"),
            (HttpMethod.Get, "/api/users/me/racks?page=x", null, "alice"),
            (HttpMethod.Get, "/api/users/me/racks", null, "Alice!"),
            (HttpMethod.Put, "/api/racks/1", "{", "alice"),
            (HttpMethod.Put, "/api/racks/1", "{}", "alice"),
            (HttpMethod.Put, "/api/racks/1", new { inletCelsius = 99 }, "alice"),
            (HttpMethod.Put, "/api/racks/1", new { maxPowerKw = -1 }, "alice"),
            (HttpMethod.Put, "/api/racks/1", new { name = "" }, "alice"),
            (HttpMethod.Put, "/api/racks/1", new { site = "AMS 1" }, "alice"),
            (HttpMethod.Put, "/api/racks/1", """{"inletCelsius":"warm"}""", "alice"),
            (HttpMethod.Post, "/api/racks/1/positions", new { slotU = -1, specId = "cisco-00004" }, "alice"),
            (HttpMethod.Post, "/api/racks/1/positions", new { slotU = 40 }, "alice"),
            (HttpMethod.Post, "/api/racks/1/positions", new { slotU = 40, specId = "no-such-spec" }, "alice"),
            (HttpMethod.Delete, "/api/racks/1/positions/x", null, "alice"),
        ];

        foreach (var (method, path, body, user) in requests)
        {
            // act
            var reply = await host.SendAsync(method, path, body, user);

            // assert
            Assert.True(reply.Status == HttpStatusCode.BadRequest && reply.ContentType == "application/problem+json", $"{method} {path} {body}: {(int)reply.Status} {reply.ContentType} {reply.Body}");
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await host.SendAsync(HttpMethod.Get, "/api/users/me/racks", user: null)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await host.GetAsync("/api/racks/999/thermal-analysis")).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await host.SendAsync(HttpMethod.Post, "/api/racks/1/positions", new { slotU = 1, specId = "cisco-00004" })).Status);
    }

    [RedisFact]
    public async Task RedisDown_ApiIsServedUncachedAndOnlyOperatorCommandsAre503()
    {
        // arrange: a server of this test's own, so it can be killed
        using var own = RedisServerFixture.Start();
        await using var host = new SampleHost(own.Configuration, workFactor: 0.02);
        await host.WaitUntilAvailableAsync(TimeSpan.FromSeconds(15));

        // rack 2 cached: with the default operation timeout (this host's) a miss can return before its write-back landed
        // on a loaded machine, so the rack is read until a read is a HIT
        var warming = System.Diagnostics.Stopwatch.StartNew();
        while ((await host.GetAsync("/api/racks/2/thermal-analysis")).Cache != "HIT")
        {
            Assert.True(warming.Elapsed < TimeSpan.FromSeconds(10), "rack 2 was never served as a HIT");
            await Task.Delay(20);
        }

        // act
        own.Stop();
        var reads = new List<SampleReply>();
        for (int i = 0; i < 8; i++)
        {
            reads.Add(await host.GetAsync("/api/racks/2/thermal-analysis"));
        }

        var search = await host.GetAsync("/api/specs/search?q=juniper");
        var list = await host.GetAsync("/api/users/me/racks?page=1", "bob");
        var update = await host.SendAsync(HttpMethod.Put, "/api/racks/2", new { inletCelsius = 25 });
        var invalidate = await host.AdminAsync(HttpMethod.Delete, "/health/cache/invalidate/thermal:*");
        var clear = await host.AdminAsync(HttpMethod.Post, "/health/cache/clear");
        var stats = await host.AdminAsync(HttpMethod.Get, "/health/cache/stats");
        var detailed = await host.AdminAsync(HttpMethod.Get, "/health/detailed");

        // assert: every API call is served, computed, and says why the cache did not help; except that once the
        // circuit is open, the in-process level serves what it holds until its L1 TTL (issue 11: L1:ServeWhileStoreDown)
        Assert.All([search, list], r => Assert.Equal((HttpStatusCode.OK, "MISS"), (r.Status, r.Cache)));
        Assert.All(reads, r => Assert.True(r.Status == HttpStatusCode.OK && (r.Cache == "MISS" ? r.CacheError is not null : r.Cache == "HIT" && r.Ttl > 0), r.ToString()));
        Assert.Equal(HttpStatusCode.OK, update.Status);
        foreach (var failed in (SampleReply[])[invalidate, clear])
        {
            Assert.Equal((HttpStatusCode.ServiceUnavailable, "application/problem+json"), (failed.Status, failed.ContentType));
            Assert.False(string.IsNullOrEmpty(failed.Json.GetProperty("detail").GetString()));
            Assert.False(string.IsNullOrEmpty(failed.Json.GetProperty("error_type").GetString()));
        }

        Assert.Equal(HttpStatusCode.OK, stats.Status);
        Assert.False(stats.Json.GetProperty("available").GetBoolean());
        Assert.True(stats.Json.GetProperty("failure_count").GetInt64() > 0);
        Assert.Equal(HttpStatusCode.OK, detailed.Status);
        Assert.Equal("down", detailed.Json.GetProperty("redis").GetString());
    }

    [Fact]
    public async Task Tracing_TheReadmeOpenTelemetrySetup_ExportsOneSpanPerCachedCall()
    {
        // arrange: the README's lines, with the in-memory exporter in place of OTLP
        var spans = new List<System.Diagnostics.Activity>();
        await using var host = new SampleHost(
            redis: null,
            workFactor: 0.02,
            services: services => services.AddOpenTelemetry().WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation()
                .AddSource(CacheGenDiagnostics.ActivitySourceName)
                .AddInMemoryExporter(spans)),
            settings: new Dictionary<string, string?> { ["CacheGen:IncludeKeysInTraces"] = "true" });

        // act
        await host.GetAsync("/api/racks/6/thermal-analysis");
        await host.GetAsync("/api/racks/6/thermal-analysis");

        // assert: other tests run in parallel in this process; this host's spans are the ones with its prefix
        // the exporter adds on its own thread, and a request's span ends after its response: read a copy once both
        // requests' spans are in (or after 5 s), retrying a copy that raced with an add
        System.Diagnostics.Activity[] all = [];
        System.Diagnostics.Activity[] ours = [];
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                all = [.. spans];
            }
            catch (InvalidOperationException)
            {
                await Task.Delay(20);
                continue;
            }

            ours = all.Where(s => (s.GetTagItem(CacheGenDiagnostics.KeyTag) as string)?.StartsWith(host.Prefix + ":", StringComparison.Ordinal) == true).ToArray();
            int servers = all.Count(s => s.Kind == System.Diagnostics.ActivityKind.Server && s.DisplayName.Contains("thermal-analysis", StringComparison.Ordinal));
            if ((ours.Length >= 2 && servers >= 2) || waited.Elapsed > TimeSpan.FromSeconds(5))
            {
                break;
            }

            await Task.Delay(20);
        }

        Assert.True(ours.Length == 2, $"{all.Length} spans: " + string.Join("; ", all.Select(s => s.DisplayName + " " + string.Join(",", s.TagObjects))));
        Assert.Equal(["miss", "hit"], ours.Select(s => s.GetTagItem(CacheGenDiagnostics.ResultTag)));
        var requests = all.Where(s => s.Kind == System.Diagnostics.ActivityKind.Server && s.DisplayName.Contains("thermal-analysis", StringComparison.Ordinal)).ToArray();

        // each cache span sits inside its request's span, as a trace viewer shows it
        Assert.All(ours, s => Assert.Contains(requests, r => r.SpanId == s.ParentSpanId));
        Assert.All(ours, s => Assert.Equal(("get_or_set thermal", "thermal", "memory", host.Prefix + ":thermal:rack:6"), (s.DisplayName, s.GetTagItem(CacheGenDiagnostics.NamespaceTag), s.GetTagItem(CacheGenDiagnostics.StoreTag), s.GetTagItem(CacheGenDiagnostics.KeyTag))));
    }

    private static async Task<Dictionary<string, string>> ProbeAsync(SampleHost host)
    {
        var outcomes = new Dictionary<string, string>();
        foreach (var (name, path, user) in s_probes)
        {
            outcomes[name] = (await host.GetAsync(path, user)).Outcome;
        }

        return outcomes;
    }

    private static string Show(string pattern) => pattern.Length > 40 ? pattern[..20] + $"...({pattern.Length} chars)" : pattern.Replace("\0", "\\0", StringComparison.Ordinal);
}
