namespace CacheGen.IntegrationTests.Infrastructure;

/// <summary>
/// A fact that needs a real Redis: skipped, visibly, when <c>redis-server</c> is not on the PATH and
/// <c>CACHEGEN_TEST_REDIS</c> is not set; never skipped when <c>CI=true</c>, where the missing server fails it.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RedisFactAttribute : FactAttribute
{
    /// <summary>Creates the attribute, deciding the skip from the machine.</summary>
    public RedisFactAttribute()
    {
        if (RedisServerFixture.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
