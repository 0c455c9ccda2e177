namespace CacheGen.IntegrationTests.Infrastructure;

/// <summary>A theory that needs a real Redis; skipped or failed exactly as <see cref="RedisFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RedisTheoryAttribute : TheoryAttribute
{
    /// <summary>Creates the attribute, deciding the skip from the machine.</summary>
    public RedisTheoryAttribute()
    {
        if (RedisServerFixture.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
