using CacheGen.Stores;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CacheGen;

/// <summary>Registers CacheGen in a service collection.</summary>
public static class CacheGenServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ICacheClient"/> and <see cref="ICacheAdmin"/> (one <see cref="CacheClient"/> singleton), its
    /// store (Redis when <see cref="CacheGenOptions.Redis"/> is set, else in-memory), the System.Text.Json serializer
    /// unless one is registered, and the <c>cachegen</c> health check.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is null.</exception>
    public static IServiceCollection AddCacheGen(this IServiceCollection services, Action<CacheGenOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<CacheGenOptions>().Configure(configure).ValidateDataAnnotations().ValidateOnStart()
            .PostConfigure<IServiceProvider>(static (o, sp) => RedisConnectionBorrowing.ResolveConnectionString(o, sp.GetService<IConfiguration>()));
        return AddCore(services);
    }

    /// <summary>
    /// Registers CacheGen with options bound from the <c>CacheGen</c> section of <paramref name="configuration"/>
    /// (environment variables: <c>CacheGen__Redis</c>, <c>CacheGen__KeyPrefix</c>, …).
    /// </summary>
    public static IServiceCollection AddCacheGen(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<CacheGenOptions>().Bind(configuration.GetSection(CacheGenDefaults.SectionName)).ValidateDataAnnotations().ValidateOnStart()
            .PostConfigure(o => RedisConnectionBorrowing.ResolveConnectionString(o, configuration));
        return AddCore(services);
    }

    private static IServiceCollection AddCore(IServiceCollection services)
    {
        bool first = !services.Any(d => d.ServiceType == typeof(CacheClient));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CacheGenOptions>, Internal.CacheGenOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ICacheSerializer, SystemTextJsonCacheSerializer>();
        services.TryAddSingleton<ICacheStore>(CreateStore);
        services.TryAddSingleton<CacheClient>();
        services.TryAddSingleton<ICacheClient>(static sp => sp.GetRequiredService<CacheClient>());
        services.TryAddSingleton<ICacheAdmin>(static sp => sp.GetRequiredService<CacheClient>());

        // creates the client (and so starts the Redis connect) when the host starts, not at the first request
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, CacheGenStartup>());
        if (first)
        {
            // once: a second registration would make HealthCheckService throw for every check of the app
            services.AddHealthChecks().AddCheck<CacheGenHealthCheck>("cachegen", tags: ["cache"]);
        }

        return services;
    }

    private static ICacheStore CreateStore(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<CacheGenOptions>>().Value;
        var time = services.GetRequiredService<TimeProvider>();
        if (options.UseRegisteredConnection)
        {
            return RedisConnectionBorrowing.CreateStore(services, options, time);
        }

        if (string.IsNullOrWhiteSpace(options.Redis))
        {
            return new MemoryCacheStore(time) { Embedded = true };
        }

        try
        {
            return new RedisCacheStore(RedisConnectionSettings.Parse(options.Redis, options), time);
        }
        catch (FormatException e)
        {
            var logger = services.GetService<ILoggerFactory>()?.CreateLogger<CacheClient>() ?? (ILogger)NullLogger.Instance;
            Internal.Log.RedisConfigurationInvalid(logger, e.Message);
            return new UnavailableCacheStore(e.Message);
        }
    }
}

/// <summary>Creates the <see cref="CacheClient"/> when the host starts, so the store connects in the background before the first request.</summary>
internal sealed class CacheGenStartup(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetRequiredService<CacheClient>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Helpers that generated code calls.</summary>
public static class CacheClientExtensions
{
    /// <summary>
    /// Waits for an invalidation from a synchronous (<c>void</c> or <c>T</c>) method. Invalidations never throw for
    /// a cache fault and are bounded by the operation timeout, so this blocks for at most about that long.
    /// </summary>
    public static void WaitForInvalidation(ValueTask invalidation)
    {
        if (invalidation.IsCompletedSuccessfully)
        {
            return;
        }

        // the documented sync path: a bounded wait; a store that never answers leaves the invalidation queued
        invalidation.AsTask().Wait(TimeSpan.FromSeconds(5));
    }
}
