using System.Reflection;
using CacheGen.Runtime.Tests.Infrastructure;
using CacheGen.Stores;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CacheGen.Runtime.Tests;

public sealed class ServiceCollectionTests
{
    private const string Password = "s3cret-Pw";

    [Fact]
    public void AddCacheGen_ConfigurationWithoutRedis_UsesTheMemoryStore()
    {
        // arrange
        using var provider = Build([]);

        // act
        var store = provider.GetRequiredService<ICacheStore>();
        var client = provider.GetRequiredService<ICacheClient>();

        // assert
        Assert.IsType<MemoryCacheStore>(store);
        Assert.Same(provider.GetRequiredService<CacheClient>(), client);
        Assert.Equal("memory", client.GetStatistics().Store);
    }

    [Fact]
    public void AddCacheGen_ConfigurationWithRedis_UsesTheRedisStoreAndStartsConnectingInTheBackground()
    {
        // arrange: a blackholed address (nothing answers, so a connect takes the whole connect timeout); resolving must not block
        using var provider = Build(new() { ["CacheGen:Redis"] = "redis://:" + Password + "@192.0.2.1:6379" });
        var watch = System.Diagnostics.Stopwatch.StartNew();

        // act
        var store = provider.GetRequiredService<ICacheStore>();
        var client = provider.GetRequiredService<ICacheClient>();
        watch.Stop();

        // assert: the connect started (the first read must not pay it inside its timeout) and is still under way
        var redis = Assert.IsType<RedisCacheStore>(store);
        var connection = (Lazy<Task<StackExchange.Redis.ConnectionMultiplexer>>)typeof(RedisCacheStore).GetField("_connection", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(redis)!;
        Assert.True(connection.IsValueCreated);
        Assert.False(connection.Value.IsCompleted);
        Assert.InRange(watch.ElapsedMilliseconds, 0, 500);
        Assert.Equal("redis", client.GetStatistics().Store);
    }

    [Fact]
    public void AddCacheGen_ConfigurationOptions_AreBound()
    {
        // arrange
        using var provider = Build(new()
        {
            ["CacheGen:KeyPrefix"] = "app",
            ["CacheGen:Version"] = "v2",
            ["CacheGen:OperationTimeoutMs"] = "100",
            ["CacheGen:Namespaces:users:TtlSeconds"] = "10",
            ["CacheGen:Namespaces:orders:Enabled"] = "false",
        });

        // act
        var options = provider.GetRequiredService<IOptions<CacheGenOptions>>().Value;

        // assert
        Assert.Equal("app", options.KeyPrefix);
        Assert.Equal("v2", options.Version);
        Assert.Equal(100, options.OperationTimeoutMs);
        Assert.Equal(10, options.Namespaces["users"].TtlSeconds);
        Assert.False(options.Namespaces["orders"].Enabled);
        Assert.Equal("app:v2:users:k", provider.GetRequiredService<CacheClient>().GetFullKey("users", "k"));
    }

    [Theory]
    [InlineData("CacheGen:KeyPrefix", "bad prefix!")]
    [InlineData("CacheGen:KeyPrefix", "")]
    [InlineData("CacheGen:Version", "v:1")]
    [InlineData("CacheGen:OperationTimeoutMs", "0")]
    [InlineData("CacheGen:BreakerFailureThreshold", "0")]
    [InlineData("CacheGen:TtlJitter", "2")]
    [InlineData("CacheGen:AdminTimeoutSeconds", "0")]
    public void AddCacheGen_InvalidOption_FailsValidationOnStart(string key, string value)
    {
        // arrange
        using var provider = Build(new() { [key] = value });

        // act
        var onStart = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        var onValue = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<CacheGenOptions>>().Value);

        // assert
        Assert.NotEmpty(onStart.Failures);
        Assert.NotEmpty(onValue.Failures);
    }

    [Fact]
    public void AddCacheGen_NamespaceTtlOutOfRange_FailsValidationOnStart()
    {
        // arrange: CacheNamespaceOptions.TtlSeconds carries [Range(1, MaxTtlSeconds)]
        using var provider = Build(new() { ["CacheGen:Namespaces:users:TtlSeconds"] = "0" });

        // act, assert
        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
    }

    [Fact]
    public void AddCacheGen_ValidOptions_PassValidationOnStart()
    {
        // arrange
        using var provider = Build(new() { ["CacheGen:KeyPrefix"] = "my-app_1.2" });

        // act
        var exception = Record.Exception(() => provider.GetRequiredService<IStartupValidator>().Validate());

        // assert
        Assert.Null(exception);
    }

    [Fact]
    public async Task AddCacheGen_MalformedRedisUrl_TurnsTheCacheOffWithOneErrorAndNoSecret()
    {
        // arrange
        var logs = new FakeLoggerProvider();
        using var provider = Build(new() { ["CacheGen:Redis"] = "redis://:" + Password + "@host:6379/notadb" }, logs);
        var client = provider.GetRequiredService<CacheClient>();
        var source = new Source("v1");

        // act
        string first = await client.GetOrSetAsync(CacheHarness.Method, "k", null, source, static (s, ct) => s.GetAsync(ct));
        string second = await client.GetOrSetAsync(CacheHarness.Method, "k", null, source, static (s, ct) => s.GetAsync(ct));
        await client.InvalidateKeyAsync("ns", "k");
        var health = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        // assert
        Assert.Equal("v1", first);
        Assert.Equal("v1", second);
        Assert.Equal(2, source.Calls);
        Assert.NotNull(client.DisabledReason);
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.Single(logs.Collector.GetSnapshot(), e => e.Id.Id == 41 && e.Level == LogLevel.Error);
        Assert.All(logs.Collector.GetSnapshot(), e => Assert.DoesNotContain(Password, e.Message + e.Exception, StringComparison.Ordinal));
        Assert.DoesNotContain(Password, client.DisabledReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddCacheGen_MemoryStore_ReportsHealthy()
    {
        // arrange
        using var provider = Build([], new FakeLoggerProvider());

        // act
        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        // assert
        Assert.Equal(HealthStatus.Healthy, report.Entries["cachegen"].Status);
    }

    [Fact]
    public void AddCacheGen_RegistersICacheAdmin_AsTheSameSingletonAsTheClient()
    {
        // arrange
        using var provider = Build(new() { ["CacheGen:AdminTimeoutSeconds"] = "120", ["CacheGen:ReadOnly"] = "true" });

        // act
        var admin = provider.GetRequiredService<ICacheAdmin>();

        // assert
        Assert.Same(provider.GetRequiredService<CacheClient>(), admin);
        Assert.Same(provider.GetRequiredService<ICacheClient>(), admin);
        Assert.Equal(120, provider.GetRequiredService<IOptions<CacheGenOptions>>().Value.AdminTimeoutSeconds);
        Assert.True(provider.GetRequiredService<CacheClient>().GetStatistics().ReadOnly);
    }

    [Fact]
    public void CacheGenOptions_AdminTimeoutSeconds_DefaultsTo30()
    {
        Assert.Equal(30, new CacheGenOptions().AdminTimeoutSeconds);
    }

    [Fact]
    public void AddCacheGen_Delegate_ConfiguresOptions()
    {
        // arrange
        var services = new ServiceCollection();

        // act
        services.AddCacheGen(o => o.KeyPrefix = "delegated");
        using var provider = services.BuildServiceProvider();

        // assert
        Assert.Equal("delegated", provider.GetRequiredService<IOptions<CacheGenOptions>>().Value.KeyPrefix);
        Assert.IsType<MemoryCacheStore>(provider.GetRequiredService<ICacheStore>());
    }

    [Fact]
    public void AddCacheGen_NullArguments_Throw()
    {
        // arrange
        var services = new ServiceCollection();

        // act, assert
        Assert.Throws<ArgumentNullException>(() => services.AddCacheGen((Action<CacheGenOptions>)null!));
        Assert.Throws<ArgumentNullException>(() => services.AddCacheGen((IConfiguration)null!));
        Assert.Throws<ArgumentNullException>(() => CacheGenServiceCollectionExtensions.AddCacheGen(null!, o => { }));
    }

    [Fact]
    public async Task AddCacheGen_RegisteredTwice_KeepsOneClientAndOneHealthCheck()
    {
        // arrange
        var services = new ServiceCollection();
        services.AddLogging();

        // act
        services.AddCacheGen(o => { });
        services.AddCacheGen(o => { });
        using var provider = services.BuildServiceProvider();
        var report = await Record.ExceptionAsync(() => provider.GetRequiredService<HealthCheckService>().CheckHealthAsync());

        // assert
        Assert.Single(provider.GetServices<ICacheClient>());
        Assert.Single(provider.GetServices<ICacheStore>());
        Assert.Null(report);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings, FakeLoggerProvider? logs = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        if (logs is not null)
        {
            services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        }

        services.AddCacheGen(configuration);
        return services.BuildServiceProvider();
    }
}
