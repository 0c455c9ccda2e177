using System.Diagnostics;
using System.Globalization;
using CacheGen.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace CacheGen.IntegrationTests;

/// <summary>
/// Issue 13: CacheGen inside a host that already talks to Redis, against a real redis-server of its own: on Aspire's
/// keyed client (<c>AddKeyedRedisClient("cache")</c> + <c>o.UseConnection("cache")</c>), on a plain
/// <see cref="IConnectionMultiplexer"/> singleton (<c>o.UseConnection()</c>), and on its own connection named by
/// <c>CacheGen:Redis = cache</c> → <c>ConnectionStrings:cache</c>. Each time: one multiplexer's connections in
/// <c>CLIENT LIST</c>, hits and invalidations, recovery after a restart, and the connection closed by the host, never
/// by CacheGen.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class AppConnectionTests(ITestOutputHelper output)
{
    private static readonly CachedMethod s_method = new("app", "App.Get", 300, "fp-app");

    public static TheoryData<string> Setups => new("aspire", "singleton", "connection-string");

    [RedisTheory]
    [MemberData(nameof(Setups))]
    public async Task OnTheAppsConnection_OneMultiplexer_HitsInvalidations_RestartRecovered_ClosedOnlyByTheHost(string setup)
    {
        // arrange: how many connections one multiplexer opens to this server, measured with a bare one
        using var server = RedisServerFixture.Start();
        int oneMultiplexer;
        using (var bare = await ConnectionMultiplexer.ConnectAsync(server.Configuration))
        {
            await bare.GetDatabase().PingAsync();
            oneMultiplexer = await WaitForClientsAsync(server, n => n > 0);
        }

        await WaitForClientsAsync(server, n => n == 0);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration["ConnectionStrings:cache"] = server.Configuration;
        builder.Configuration["CacheGen:KeyPrefix"] = TestCache.NewPrefix();

        // as CacheClientRedisTests: with 250 ms a loaded machine can return a miss before its write-back landed (or time a
        // read out), and "a" is read again at once below; this test is about the connection, not about timeouts
        builder.Configuration["CacheGen:OperationTimeoutMs"] = "5000";
        switch (setup)
        {
            case "aspire":
                builder.AddKeyedRedisClient("cache");
                builder.Services.AddCacheGen(builder.Configuration).Configure<CacheGenOptions>(o => o.UseConnection("cache"));
                break;
            case "singleton":
                builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(server.Configuration));
                builder.Services.AddCacheGen(builder.Configuration).Configure<CacheGenOptions>(o => o.UseConnection());
                break;
            default:
                builder.Configuration["CacheGen:Redis"] = "cache";
                builder.Services.AddCacheGen(builder.Configuration);
                break;
        }

        var host = builder.Build();
        IConnectionMultiplexer? appConnection = setup switch
        {
            "aspire" => host.Services.GetRequiredKeyedService<IConnectionMultiplexer>("cache"),
            "singleton" => host.Services.GetRequiredService<IConnectionMultiplexer>(),
            _ => null,
        };
        await host.StartAsync();
        var client = host.Services.GetRequiredService<CacheClient>();
        int calls = 0;
        ValueTask<string> GetAsync(string key) => client.GetOrSetAsync(s_method, key, null, 0, (_, _) => new ValueTask<string>(key + ":" + Interlocked.Increment(ref calls).ToString(CultureInfo.InvariantCulture)));

        try
        {
            // act + assert: caching works once connected
            await WaitUntilCachedAsync(GetAsync, "warm", TimeSpan.FromSeconds(10));

            // issue 11: the L1 backplane subscribes on the same connection (no extra multiplexer) and syncs
            var syncing = Stopwatch.StartNew();
            while (client.Backplane is not { IsSynced: true })
            {
                Assert.True(syncing.Elapsed < TimeSpan.FromSeconds(10), "the L1 backplane did not sync on the app's connection");
                await Task.Delay(20);
            }

            var subscribers = (await server.ExecuteAsync("PUBSUB", "NUMSUB", builder.Configuration["CacheGen:KeyPrefix"] + ":%l1")).EnsureSuccess();
            Assert.Equal(1, subscribers.Items![1].Integer);
            int connections = await WaitForClientsAsync(server, n => n >= oneMultiplexer);
            long errorsBefore = client.GetStatistics().Errors; // the first connect's misses ("connecting") come before
            string first = await GetAsync("a");
            string second = await GetAsync("a");
            await client.InvalidateKeyAsync("app", "a");
            string third = await GetAsync("a");
            output.WriteLine($"{setup}: one multiplexer opens {oneMultiplexer} connections; the host has {connections}; {client.GetStatistics()}");
            Assert.Equal(oneMultiplexer, connections);
            Assert.Equal(first, second);
            Assert.NotEqual(first, third);
            Assert.Equal(errorsBefore, client.GetStatistics().Errors);

            // a restart (empty, same port) is recovered from
            server.Restart();
            var recovery = await WaitUntilCachedAsync(GetAsync, "after-restart", TimeSpan.FromSeconds(40));
            output.WriteLine($"{setup}: cached again {recovery.TotalMilliseconds:F0} ms after the restart; {client.GetStatistics()}");
            Assert.Equal(oneMultiplexer, await WaitForClientsAsync(server, n => n >= oneMultiplexer));

            // CacheGen's store, disposed on its own, leaves the application's connection open
            if (appConnection is not null)
            {
                ((IDisposable)host.Services.GetRequiredService<ICacheStore>()).Dispose();
                await Task.Delay(100);
                Assert.True(appConnection.IsConnected);
                await appConnection.GetDatabase().PingAsync();
            }
        }
        finally
        {
            await host.StopAsync();
            host.Dispose();
        }

        // the host closes it
        Assert.Equal(0, await WaitForClientsAsync(server, n => n == 0));
        Assert.False(appConnection?.IsConnected ?? false);
    }

    /// <summary>Reads a fresh key twice until the second read is a hit: its write-back landed. Returns how long that took.</summary>
    private static async Task<TimeSpan> WaitUntilCachedAsync(Func<string, ValueTask<string>> get, string name, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        for (int i = 0; clock.Elapsed < timeout; i++)
        {
            string key = name + i.ToString(CultureInfo.InvariantCulture);
            if (await get(key) == await get(key))
            {
                return clock.Elapsed;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"No write-back and hit within {timeout.TotalSeconds} s.");
    }

    /// <summary>Returns the number of client connections other than the one asking, once <paramref name="until"/> holds (or after 5 s).</summary>
    private static async Task<int> WaitForClientsAsync(RedisServerFixture server, Func<int, bool> until)
    {
        var clock = Stopwatch.StartNew();
        int count;
        do
        {
            // CLIENT LIST lists the asking connection too
            string list = (await server.ExecuteAsync("CLIENT", "LIST")).EnsureSuccess().Text;
            count = list.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1;
            if (until(count))
            {
                return count;
            }

            await Task.Delay(50);
        }
        while (clock.Elapsed < TimeSpan.FromSeconds(5));
        return count;
    }
}
