namespace CacheGen.IntegrationTests.Infrastructure;

/// <summary>Tests that share one well-behaved server; each uses its own random key prefix and never flushes.</summary>
[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisServerFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Redis";
}
