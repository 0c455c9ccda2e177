using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text.Json;
using CacheGen.IntegrationTests.Infrastructure;

namespace CacheGen.IntegrationTests;

/// <summary>The sample as the README runs it: a real process on a loopback port, in-memory by default, Redis when configured.</summary>
[Collection(RedisCollection.Name)]
public sealed class SampleAppTests(RedisServerFixture redis)
{
    private static readonly string s_sample = typeof(SampleAppTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "SampleAssembly").Value!;

    [Fact]
    public async Task Sample_WithoutRedis_ServesARepeatedRequestFromTheInMemoryCache()
    {
        await using var app = await SampleProcess.StartAsync(s_sample, redis: null);

        var first = await app.GetJsonAsync("/racks/5/thermal");
        var second = await app.GetJsonAsync("/racks/5/thermal");
        var stats = await app.GetJsonAsync("/health/cache/stats");

        Assert.Equal(1, first.GetProperty("computation").GetInt64());
        Assert.Equal(first.GetProperty("computedAt").GetString(), second.GetProperty("computedAt").GetString());
        Assert.Equal("memory", stats.GetProperty("statistics").GetProperty("store").GetString());
        Assert.Equal(1, stats.GetProperty("statistics").GetProperty("hits").GetInt64());
        Assert.Equal(1, stats.GetProperty("computations").GetInt64());
    }

    [RedisFact]
    public async Task Sample_WithCacheGenRedis_CachesInRedisAndInvalidatesOnUpdate()
    {
        // the sample uses the default prefix: a fresh rack id keeps reruns on a shared server apart
        int rack = Random.Shared.Next(1_000_000, int.MaxValue);
        await using var app = await SampleProcess.StartAsync(s_sample, redis.Configuration);

        await app.GetJsonAsync($"/racks/{rack}/thermal");
        var cached = await app.GetJsonAsync($"/racks/{rack}/thermal");
        Assert.True(await redis.ExistsAsync($"cache:thermal:rack:{rack}"));
        using (var update = await app.Client.PutAsync($"/racks/{rack}", new StringContent("""{"inletCelsius":20,"outletCelsius":40}""", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.NoContent, update.StatusCode);
        }

        var fresh = await app.GetJsonAsync($"/racks/{rack}/thermal");
        var stats = await app.GetJsonAsync("/health/cache/stats");

        Assert.Equal(1, cached.GetProperty("computation").GetInt64());
        Assert.Equal(2, fresh.GetProperty("computation").GetInt64());
        Assert.Equal(40, fresh.GetProperty("outletCelsius").GetDouble());
        Assert.Equal("redis", stats.GetProperty("statistics").GetProperty("store").GetString());
    }

    private sealed class SampleProcess : IAsyncDisposable
    {
        private readonly Process _process;

        private SampleProcess(Process process, int port)
        {
            _process = process;
            Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        }

        public HttpClient Client { get; }

        public static async Task<SampleProcess> StartAsync(string assembly, string? redis)
        {
            Assert.True(File.Exists(assembly), $"the sample is not built at {assembly}");
            int port = FreePort();
            var start = new ProcessStartInfo("dotnet", [assembly, "--urls", $"http://127.0.0.1:{port}"])
            {
                WorkingDirectory = Path.GetDirectoryName(assembly)!,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment.Remove("CacheGen__Redis");
            if (redis is not null)
            {
                start.Environment["CacheGen__Redis"] = redis;
            }

            var app = new SampleProcess(Process.Start(start)!, port);
            app._process.OutputDataReceived += static (_, _) => { };
            app._process.ErrorDataReceived += static (_, _) => { };
            app._process.BeginOutputReadLine();
            app._process.BeginErrorReadLine();
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    using var health = await app.Client.GetAsync("/health");
                    if (health.StatusCode == HttpStatusCode.OK)
                    {
                        return app;
                    }
                }
                catch (HttpRequestException) when (deadline.Elapsed < TimeSpan.FromSeconds(60) && !app._process.HasExited)
                {
                }

                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60) && !app._process.HasExited, "the sample did not start");
                await Task.Delay(100);
            }
        }

        public async Task<JsonElement> GetJsonAsync(string path)
        {
            using var response = await Client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}
