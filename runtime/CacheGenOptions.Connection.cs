namespace CacheGen;

/// <summary>Where the Redis connection comes from (issue 13).</summary>
public sealed partial class CacheGenOptions
{
    /// <summary>
    /// Gets or sets whether CacheGen uses the <c>StackExchange.Redis.IConnectionMultiplexer</c> the application registered
    /// (Aspire's <c>AddRedisClient</c>, or a singleton of its own) instead of opening one from <see cref="Redis"/>.
    /// CacheGen never disposes that connection. Set it with <see cref="UseConnection"/>, or bind
    /// <c>CacheGen:UseRegisteredConnection</c>. <value>Default: <see langword="false"/>.</value>
    /// </summary>
    public bool UseRegisteredConnection { get; set; }

    /// <summary>
    /// Gets or sets the service key of the registered multiplexer (Aspire registers <c>AddKeyedRedisClient("cache")</c>
    /// under <c>"cache"</c>), or <see langword="null"/> for the unkeyed <c>IConnectionMultiplexer</c> service.
    /// <value>Default: <see langword="null"/>.</value>
    /// </summary>
    public string? ConnectionServiceKey { get; set; }

    /// <summary>
    /// Uses the application's registered <c>IConnectionMultiplexer</c>: the keyed one named <paramref name="serviceKey"/>,
    /// or the unkeyed one when it is <see langword="null"/>. <see cref="Redis"/> is then ignored.
    /// </summary>
    /// <param name="serviceKey">The service key (Aspire's connection name), or <see langword="null"/>.</param>
    /// <returns>These options.</returns>
    public CacheGenOptions UseConnection(string? serviceKey = null)
    {
        UseRegisteredConnection = true;
        ConnectionServiceKey = serviceKey;
        return this;
    }
}
