using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using CacheGen.Sample.Api;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace CacheGen.Sample.Demo;

/// <summary>
/// <c>--demo</c>: starts the API in this process on a loopback port and drives it over HTTP, printing cold vs warm
/// latency per endpoint, the hit rate, what each update invalidates, and, with Redis configured, what happens while
/// Redis is unreachable (through a relay the demo cuts, so the shared server is not touched).
/// </summary>
public static class DemoRunner
{
    private static readonly (string Name, string Path, int Ttl)[] s_endpoints =
    [
        ("GET /api/racks/3/thermal-analysis", "/api/racks/3/thermal-analysis", 300),
        ("GET /api/racks/3/optimization?strategy=thermal", "/api/racks/3/optimization?strategy=thermal", 600),
        ("GET /api/specs/search?q=dell r7", "/api/specs/search?q=dell%20r7", 3600),
        ("GET /api/users/me/racks?page=1 (alice)", "/api/users/me/racks?page=1", 120),
    ];

    private static readonly (string Name, string Path)[] s_probes =
    [
        ("thermal r1", "/api/racks/1/thermal-analysis"),
        ("optimization r1", "/api/racks/1/optimization?strategy=balanced"),
        ("thermal r2", "/api/racks/2/thermal-analysis"),
        ("alice's racks", "alice"),
        ("bob's racks", "bob"),
        ("search", "/api/specs/search?q=arista"),
    ];

    /// <summary>Runs the demo; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var builder = SampleApp.CreateBuilder(args);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        string adminKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        builder.Configuration["Sample:AdminKey"] = adminKey;

        // a prefix of its own: the demo's entries never mix with a running sample's, and it clears them at the end
        builder.Configuration["CacheGen:KeyPrefix"] = "cachegen-demo-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        string? redis = builder.Configuration["CacheGen:Redis"];
        await using var relay = string.IsNullOrWhiteSpace(redis) ? null : StartRelay(redis);
        if (relay is not null)
        {
            builder.Configuration["CacheGen:Redis"] = RedisEndpoint.Redirect(redis!, "127.0.0.1", relay.Port);
        }

        await using var app = SampleApp.Configure(builder.Build());
        await app.StartAsync();
        string url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Add(AdminKeyFilter.HeaderName, adminKey);

        output.WriteLine($"CacheGen sample demo: the API on {url}, cache store {(relay is null ? "in-memory" : "Redis at " + RedisEndpoint.Describe(redis!))}");
        output.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}; latencies are wall-clock over loopback HTTP");
        if (relay is not null && !await WaitAvailableAsync(http, TimeSpan.FromSeconds(10)))
        {
            output.WriteLine("Redis did not answer within 10 s: the figures below are uncached.");
        }

        await ColdVsWarmAsync(http, output);
        await HitRateAsync(http, output);
        await InvalidationAsync(http, output);
        if (relay is not null)
        {
            await OutageAsync(http, relay, output);
            using var cleared = await http.PostAsync("/health/cache/clear", null);
            output.WriteLine($"(demo keys removed: POST /health/cache/clear -> {(int)cleared.StatusCode} {await cleared.Content.ReadAsStringAsync()})");
        }
        else
        {
            output.WriteLine();
            output.WriteLine("Redis is not configured, so the outage part is skipped. To see it:");
            output.WriteLine("  CacheGen__Redis=localhost:6379 dotnet run --project sample/CacheGen.Sample -- --demo");
        }

        await app.StopAsync();
        return 0;
    }

    private static TcpRelay StartRelay(string redis)
    {
        var (host, port) = RedisEndpoint.Parse(redis);
        return TcpRelay.Start(host, port);
    }

    private static async Task ColdVsWarmAsync(HttpClient http, TextWriter output)
    {
        // compile the code paths first (other keys), so "cold" is the computation and not the JIT
        foreach (string path in (string[])["/api/racks/4/thermal-analysis", "/api/racks/4/optimization?strategy=power", "/api/specs/search?q=hpe", "/api/users/me/racks?page=2"])
        {
            await SendAsync(http, HttpMethod.Get, path);
            await SendAsync(http, HttpMethod.Get, path);
        }

        var rows = new List<string[]>();
        foreach (var (name, path, ttl) in s_endpoints)
        {
            var cold = await SendAsync(http, HttpMethod.Get, path);
            var warm = new List<Reply>();
            for (int i = 0; i < 5; i++)
            {
                warm.Add(await SendAsync(http, HttpMethod.Get, path));
            }

            double warmMs = warm.Select(w => w.Ms).Order().ElementAt(2);
            rows.Add([
                name, ttl.ToString(CultureInfo.InvariantCulture) + " s", Ms(cold.Ms), Ms(warmMs),
                (cold.Ms / warmMs).ToString("0", CultureInfo.InvariantCulture) + "x",
                $"{cold.Cache} then {string.Join(' ', warm.Select(w => w.Cache).Distinct())} x5",
                warm[^1].Ttl ?? "-"]);
        }

        output.WriteLine();
        output.WriteLine("1. Cold vs warm (cold = first request of a key, after a warm-up of the code on other keys; warm = median of the next 5)");
        Table(output, ["endpoint", "TTL", "cold", "warm", "speed-up", "X-Cache", "TTL left"], rows);
    }

    private static async Task HitRateAsync(HttpClient http, TextWriter output)
    {
        var stats = await GetJsonAsync(http, "/health/cache/stats");
        output.WriteLine();
        output.WriteLine($"2. GET /health/cache/stats: hits {stats.GetProperty("hits")}, misses {stats.GetProperty("misses")}, " +
            $"hit_rate {stats.GetProperty("hit_rate").GetDouble():0.00}, store {stats.GetProperty("store")}, available {stats.GetProperty("available")}, " +
            $"used_memory {Text(stats, "used_memory")}, connected_clients {Text(stats, "connected_clients")}");
    }

    private static async Task InvalidationAsync(HttpClient http, TextWriter output)
    {
        // warm every probe, then after each change see which probes recompute (MISS) and which are still cached (HIT)
        await ProbeAsync(http);
        await ProbeAsync(http);
        var rows = new List<string[]>();
        async Task ChangeAsync(string name, HttpMethod method, string path, object? body = null)
        {
            var reply = await SendAsync(http, method, path, body);
            rows.Add([name, ((int)reply.Status).ToString(CultureInfo.InvariantCulture), .. await ProbeAsync(http)]);
            if (reply.Body is { } json && json.TryGetProperty("id", out var id))
            {
                s_lastPositionId = id.GetInt32();
            }
        }

        await ChangeAsync("PUT /api/racks/1 {name}", HttpMethod.Put, "/api/racks/1", new { name = "R-ams1-01b" });
        await ChangeAsync("PUT /api/racks/1 {inletCelsius}", HttpMethod.Put, "/api/racks/1", new { inletCelsius = 26 });
        await ChangeAsync("POST /api/racks/1/positions", HttpMethod.Post, "/api/racks/1/positions", new { slotU = 40, specId = "cisco-00004" });
        await ChangeAsync($"DELETE /api/racks/1/positions/{s_lastPositionId}", HttpMethod.Delete, $"/api/racks/1/positions/{s_lastPositionId}");
        await ChangeAsync("DELETE /api/racks/1", HttpMethod.Delete, "/api/racks/1");

        output.WriteLine();
        output.WriteLine("3. What each change invalidates (rack 1 is alice's, rack 2 bob's; MISS = recomputed after the change, HIT = still cached)");
        Table(output, ["change", "status", .. s_probes.Select(p => p.Name)], rows);
    }

    private static int s_lastPositionId;

    private static async Task<string[]> ProbeAsync(HttpClient http)
    {
        var cells = new List<string>();
        foreach (var (_, path) in s_probes)
        {
            var reply = path.StartsWith('/')
                ? await SendAsync(http, HttpMethod.Get, path)
                : await SendAsync(http, HttpMethod.Get, "/api/users/me/racks?page=1", user: path);
            cells.Add(reply.Status == HttpStatusCode.OK ? reply.Cache : ((int)reply.Status).ToString(CultureInfo.InvariantCulture));
        }

        return [.. cells];
    }

    private static async Task OutageAsync(HttpClient http, TcpRelay relay, TextWriter output)
    {
        const string Thermal = "/api/racks/2/thermal-analysis";
        await SendAsync(http, HttpMethod.Get, Thermal);
        var rows = new List<string[]>();
        void Row(string what, Reply r, string note) =>
            rows.Add([what, ((int)r.Status).ToString(CultureInfo.InvariantCulture), r.Cache, Ms(r.Ms), note]);

        Row("GET thermal r2 (Redis up)", await SendAsync(http, HttpMethod.Get, Thermal), "served from Redis");
        relay.Cut();
        var outage = Stopwatch.StartNew();
        for (int i = 1; i <= 3; i++)
        {
            var r = await SendAsync(http, HttpMethod.Get, Thermal);
            Row($"GET thermal r2 #{i} (Redis down)", r, "computed, served; X-Cache-Error: " + (r.Error ?? "-"));
        }

        Row("PUT /api/racks/2 {inletCelsius}", await SendAsync(http, HttpMethod.Put, "/api/racks/2", new { inletCelsius = 24 }), "applied; invalidation queued for replay");
        var clear = await SendAsync(http, HttpMethod.Post, "/health/cache/clear");
        Row("POST /health/cache/clear", clear, clear.Body is { } p && p.TryGetProperty("detail", out var d) ? Shorten(d.GetString()) : "-");
        var detailed = await SendAsync(http, HttpMethod.Get, "/health/detailed");
        Row("GET /health/detailed", detailed, $"redis {detailed.Body!.Value.GetProperty("redis")}, status {detailed.Body!.Value.GetProperty("status")}");
        var stats = await SendAsync(http, HttpMethod.Get, "/health/cache/stats");
        var s = stats.Body!.Value;
        Row("GET /health/cache/stats", stats, $"available {s.GetProperty("available")}, circuit {s.GetProperty("circuit_state")}, failure_count {s.GetProperty("failure_count")}, pending_invalidations {s.GetProperty("pending_invalidations")}");

        relay.Restore();
        var restored = Stopwatch.StartNew();
        var results = new List<string>();
        Reply last;
        do
        {
            await Task.Delay(250);
            last = await SendAsync(http, HttpMethod.Get, Thermal);
            if (results.Count == 0 || results[^1] != last.Cache)
            {
                results.Add(last.Cache);
            }
        }
        while (last.Cache != "HIT" && restored.Elapsed < TimeSpan.FromSeconds(90));

        var after = await GetJsonAsync(http, "/health/cache/stats");
        Row($"GET thermal r2 after restore", last, $"{string.Join(" -> ", results)} after {restored.Elapsed.TotalSeconds:0.0} s; pending_invalidations {after.GetProperty("pending_invalidations")}");

        output.WriteLine();
        output.WriteLine($"4. Redis unreachable for {outage.Elapsed.TotalSeconds:0.0} s (the demo cuts its relay to Redis), then back");
        Table(output, ["request", "status", "X-Cache", "latency", "what happened"], rows);
        output.WriteLine("   The first reads after the restore are misses: the rack changed during the outage, so the old entry is never served.");
    }

    private static async Task<bool> WaitAvailableAsync(HttpClient http, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if ((await GetJsonAsync(http, "/health/cache/stats")).GetProperty("available").GetBoolean())
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }

    private static async Task<Reply> SendAsync(HttpClient http, HttpMethod method, string path, object? body = null, string user = "alice")
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add(RackEndpoints.UserHeader, user);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        long started = Stopwatch.GetTimestamp();
        using var response = await http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        double ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        JsonElement? json = text.Length > 0 && text[0] == '{' ? JsonDocument.Parse(text).RootElement.Clone() : null;
        return new Reply(
            response.StatusCode,
            response.Headers.TryGetValues("X-Cache", out var c) ? c.First() : "-",
            response.Headers.TryGetValues("X-Cache-TTL-Remaining", out var t) ? t.First() + " s" : null,
            response.Headers.TryGetValues("X-Cache-Error", out var e) ? e.First() : null,
            ms,
            json);
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string path) =>
        JsonDocument.Parse(await http.GetStringAsync(path)).RootElement.Clone();

    private static string Text(JsonElement e, string name) => e.GetProperty(name).ValueKind == JsonValueKind.Null ? "null" : e.GetProperty(name).ToString();

    private static string Ms(double ms) => ms.ToString(ms < 10 ? "0.00" : "0", CultureInfo.InvariantCulture) + " ms";

    private static string Shorten(string? text) => text is null ? "-" : text.Length <= 90 ? text : text[..87] + "...";

    private static void Table(TextWriter output, string[] header, List<string[]> rows)
    {
        int[] widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        string Line(string[] cells) => "| " + string.Join(" | ", cells.Select((c, i) => c.PadRight(widths[i]))) + " |";
        output.WriteLine(Line(header));
        output.WriteLine("|" + string.Join("|", widths.Select(w => new string('-', w + 2))) + "|");
        foreach (var row in rows)
        {
            output.WriteLine(Line(row));
        }
    }

    private sealed record Reply(HttpStatusCode Status, string Cache, string? Ttl, string? Error, double Ms, JsonElement? Body);
}
