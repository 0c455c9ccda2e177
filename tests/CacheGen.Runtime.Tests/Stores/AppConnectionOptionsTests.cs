using CacheGen.Stores;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CacheGen.Runtime.Tests.Stores;

/// <summary>Issue 13 without a server: naming a connection string, and a borrowed connection that is not there.</summary>
public sealed class AppConnectionOptionsTests
{
    [Theory]
    [InlineData("cache", "10.0.0.5:6380,password=p")]  // a name with a connection string: resolved
    [InlineData("localhost", "localhost")]            // a bare host no connection string names: kept
    [InlineData("cache:6379", "cache:6379")]          // a connection itself: kept
    [InlineData("redis://cache", "redis://cache")]
    public void CacheGenRedis_NamingAConnectionString_IsReplacedByIt(string redis, string expected)
    {
        // arrange
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:cache"] = "10.0.0.5:6380,password=p",
            ["CacheGen:Redis"] = redis,
        }).Build();
        var services = new ServiceCollection().AddLogging().AddCacheGen(configuration);

        // act
        using var provider = services.BuildServiceProvider();

        // assert
        Assert.Equal(expected, provider.GetRequiredService<IOptions<CacheGenOptions>>().Value.Redis);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("cache")]
    public async Task UseConnection_NothingRegistered_CacheOffHealthUnhealthy_CallsStillServed(string? key)
    {
        // arrange
        var services = new ServiceCollection().AddLogging().AddCacheGen(o => o.UseConnection(key));
        if (key is not null)
        {
            // an unkeyed one does not count for a keyed request
            services.AddSingleton<IConnectionMultiplexer>(_ => throw new InvalidOperationException("not the keyed one"));
        }

        using var provider = services.BuildServiceProvider();

        // act
        var client = provider.GetRequiredService<CacheClient>();
        string value = await client.GetOrSetAsync(new CachedMethod("ns", "M", 60, "fp"), "k", null, 0, static (_, _) => new ValueTask<string>("v"));
        var health = await new CacheGenHealthCheck(client).CheckHealthAsync(new HealthCheckContext());

        // assert
        Assert.Equal("v", value);
        Assert.IsType<UnavailableCacheStore>(provider.GetRequiredService<ICacheStore>());
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.Contains(key is null ? "IConnectionMultiplexer" : "keyed IConnectionMultiplexer 'cache'", health.Description, StringComparison.Ordinal);
    }
}
