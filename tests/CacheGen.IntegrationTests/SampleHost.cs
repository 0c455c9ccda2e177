using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CacheGen.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CacheGen.IntegrationTests;

/// <summary>
/// The sample API hosted in the test process (<see cref="WebApplicationFactory{TEntryPoint}"/>), on the in-memory
/// store or a real Redis, with a key prefix of its own so tests sharing one server never see each other's entries.
/// </summary>
public sealed class SampleHost : WebApplicationFactory<Program>
{
    /// <summary>The admin key the host is configured with.</summary>
    public const string AdminKey = "sample-tests-admin-key";

    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;
    private HttpClient? _client;

    /// <summary>Creates a host; <paramref name="redis"/> null means the in-memory store.</summary>
    /// <param name="redis">The Redis configuration, or <see langword="null"/> for the in-memory store.</param>
    /// <param name="workFactor">The sample's work factor: 1 is the real cost of the expensive endpoints.</param>
    /// <param name="services">Extra service registrations (OpenTelemetry in the tracing test).</param>
    /// <param name="settings">Extra configuration.</param>
    public SampleHost(string? redis, double workFactor = 1, Action<IServiceCollection>? services = null, IDictionary<string, string?>? settings = null)
    {
        Prefix = "sample-" + Guid.NewGuid().ToString("N")[..10];
        _services = services;
        _settings = new Dictionary<string, string?>
        {
            // an empty value wins over a CacheGen__Redis in the environment: these tests choose the store themselves
            ["CacheGen:Redis"] = redis ?? string.Empty,
            ["CacheGen:KeyPrefix"] = Prefix,
            ["Sample:AdminKey"] = AdminKey,
            ["Sample:WorkFactor"] = workFactor.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    /// <summary>Gets the key prefix of this host's entries.</summary>
    public string Prefix { get; }

    /// <summary>Gets a client of the in-process server.</summary>
    public HttpClient Client => _client ??= CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    /// <summary>
    /// Starts a host of the chosen store; with Redis, returns only once the cache has answered (never a first-connect
    /// race). The operation timeout is 2 s instead of 250 ms: on a machine shared by several test runs a Redis read
    /// can stall past 250 ms, which reads as a miss, and these tests are about which entries an API call reads and
    /// removes, not about timeouts (the Redis-down test and the fault tests run with the defaults).
    /// </summary>
    public static async Task<SampleHost> StartAsync(string store, RedisServerFixture redis, double workFactor = 1, Action<IServiceCollection>? services = null)
    {
        var host = new SampleHost(store == "redis" ? redis.Configuration : null, workFactor, services, new Dictionary<string, string?> { ["CacheGen:OperationTimeoutMs"] = "2000" });
        await host.WaitUntilAvailableAsync(TimeSpan.FromSeconds(15));
        return host;
    }

    /// <summary>Polls the stats endpoint until the cache reports <c>available</c>.</summary>
    public async Task WaitUntilAvailableAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var stats = await AdminAsync(HttpMethod.Get, "/health/cache/stats");
            if (stats.Json.GetProperty("available").GetBoolean())
            {
                return;
            }

            Assert.True(deadline.Elapsed < timeout, "the cache did not become available: " + stats.Body);
            await Task.Delay(50);
        }
    }

    /// <summary>Sends a request as <paramref name="user"/> and reads the whole reply.</summary>
    public async Task<SampleReply> SendAsync(HttpMethod method, string path, object? body = null, string? user = "alice", string? adminKey = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (user is not null)
        {
            request.Headers.Add("X-User-Id", user);
        }

        if (adminKey is not null)
        {
            request.Headers.Add("X-Admin-Key", adminKey);
        }

        if (body is string raw)
        {
            request.Content = new StringContent(raw, System.Text.Encoding.UTF8, "application/json");
        }
        else if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        long started = Stopwatch.GetTimestamp();
        using var response = await Client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        double ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return new SampleReply(
            response.StatusCode,
            Header(response, "X-Cache"),
            Header(response, "X-Cache-Key"),
            Header(response, "X-Cache-TTL-Remaining") is { } ttl ? int.Parse(ttl, System.Globalization.CultureInfo.InvariantCulture) : null,
            Header(response, "X-Cache-Error"),
            response.Content.Headers.ContentType?.MediaType,
            text,
            ms);
    }

    /// <summary>GETs <paramref name="path"/> as alice.</summary>
    public Task<SampleReply> GetAsync(string path, string user = "alice") => SendAsync(HttpMethod.Get, path, user: user);

    /// <summary>Calls an operator endpoint with the admin key.</summary>
    public Task<SampleReply> AdminAsync(HttpMethod method, string path) => SendAsync(method, path, user: null, adminKey: AdminKey);

    /// <inheritdoc/>
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(_settings));
        if (_services is not null)
        {
            builder.ConfigureServices(_services);
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        _client?.Dispose();
        base.Dispose(disposing);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.First() : null;
}

/// <summary>One reply of the sample.</summary>
public sealed record SampleReply(HttpStatusCode Status, string? Cache, string? Key, int? Ttl, string? CacheError, string? ContentType, string Body, double Ms)
{
    /// <summary>Gets the body as JSON.</summary>
    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

    /// <summary>Gets <see cref="Cache"/> for a 200, else the status code: what a probe table shows.</summary>
    public string Outcome => Status == HttpStatusCode.OK ? Cache ?? "none" : ((int)Status).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
