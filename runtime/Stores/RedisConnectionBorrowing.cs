using CacheGen.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace CacheGen.Stores;

/// <summary>
/// Issue 13: CacheGen on the application's own Redis connection (<see cref="CacheGenOptions.UseConnection"/>), and
/// <see cref="CacheGenOptions.Redis"/> naming a connection string (<c>ConnectionStrings:cache</c>).
/// </summary>
internal static class RedisConnectionBorrowing
{
    /// <summary>
    /// Creates the store over the registered multiplexer, or an unavailable store (cache off, health Unhealthy, one
    /// error logged) when none is registered under that key or it is not StackExchange.Redis' own multiplexer.
    /// </summary>
    public static ICacheStore CreateStore(IServiceProvider services, CacheGenOptions options, TimeProvider time)
    {
        string which = options.ConnectionServiceKey is { } key ? $"keyed IConnectionMultiplexer '{key}'" : "IConnectionMultiplexer";
        var registered = options.ConnectionServiceKey is { } serviceKey
            ? services.GetKeyedService<IConnectionMultiplexer>(serviceKey)
            : services.GetService<IConnectionMultiplexer>();
        string? problem = registered switch
        {
            null => $"CacheGen was told to use the application's {which}, but none is registered.",
            not ConnectionMultiplexer => $"The registered {which} is a {registered.GetType().Name}; CacheGen needs StackExchange.Redis' ConnectionMultiplexer itself (register the inner one).",
            _ => null,
        };
        if (problem is not null)
        {
            var logger = services.GetService<ILoggerFactory>()?.CreateLogger<CacheClient>() ?? (ILogger)NullLogger.Instance;
            Log.RedisConfigurationInvalid(logger, problem);
            return new UnavailableCacheStore(problem);
        }

        return new RedisCacheStore((ConnectionMultiplexer)registered!, time);
    }

    /// <summary>
    /// Replaces <see cref="CacheGenOptions.Redis"/> by <c>ConnectionStrings:{name}</c> when it is a bare name with such a
    /// connection string (<c>CacheGen:Redis = cache</c>); a value with <c>:</c>, <c>,</c>, <c>=</c> or <c>/</c> is a
    /// connection itself and is kept, as is a bare host name no connection string has.
    /// </summary>
    public static void ResolveConnectionString(CacheGenOptions options, IConfiguration? configuration)
    {
        if (configuration is null || string.IsNullOrWhiteSpace(options.Redis) || options.Redis.AsSpan().IndexOfAny(":,=/") >= 0)
        {
            return;
        }

        if (configuration.GetConnectionString(options.Redis.Trim()) is { Length: > 0 } connection)
        {
            options.Redis = connection;
        }
    }

    /// <summary>Reads the borrowed multiplexer's database and connect timeout; defaults when its configuration cannot be read back.</summary>
    public static ConfigurationOptions ReadConfiguration(ConnectionMultiplexer multiplexer)
    {
        try
        {
            return ConfigurationOptions.Parse(multiplexer.Configuration);
        }
        catch (ArgumentException)
        {
            return new ConfigurationOptions();
        }
    }

    /// <summary>Removes the store's handlers from a multiplexer it does not own.</summary>
    public static void Detach(ConnectionMultiplexer multiplexer, EventHandler<ConnectionFailedEventArgs>? restored, EventHandler<EndPointEventArgs>? configurationChanged, EventHandler<ConnectionFailedEventArgs>? failed)
    {
        multiplexer.ConnectionRestored -= restored;
        multiplexer.ConnectionFailed -= failed;
        multiplexer.ConfigurationChanged -= configurationChanged;
        multiplexer.ConfigurationChangedBroadcast -= configurationChanged;
    }
}
