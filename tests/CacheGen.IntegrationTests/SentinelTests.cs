using System.Globalization;
using CacheGen.IntegrationTests.Infrastructure;

namespace CacheGen.IntegrationTests;

/// <summary>
/// Issue 10 items 1 and 3: CacheGen configured with the three sentinel endpoints and <c>serviceName=</c> finds the
/// primary, and follows a Sentinel failover while 16 callers read and invalidate, with default options.
/// </summary>
[Collection(SentinelCollection.Name)]
[Trait("Category", "Sentinel")]
public sealed class SentinelTests(RedisSentinelFixture sentinel, ITestOutputHelper output)
{
    private static readonly CachedMethod s_items = new("items", "Item.Get", 300, "fp-items");

    [RedisFact]
    public async Task ServiceName_WritesGoToThePrimary_HitsAndInvalidationsWork()
    {
        // arrange: a generous operation timeout, so a miss returns once its write-back landed and the second call is a
        // hit by construction (with 250 ms a loaded machine can return the miss first)
        using var cache = await TestCache.CreateAsync(sentinel.Configuration, o => o.OperationTimeoutMs = 5000);
        var primary = await sentinel.GetPrimaryAsync();
        int calls = 0;
        string Compute() => "v" + Interlocked.Increment(ref calls).ToString(CultureInfo.InvariantCulture);

        // act
        string first = await cache.GetAsync(s_items, "a", Compute);
        string second = await cache.GetAsync(s_items, "a", Compute);
        await cache.Client.InvalidateKeyAsync("items", "a");
        string third = await cache.GetAsync(s_items, "a", Compute);

        // assert
        Assert.Equal(("v1", "v1", "v2"), (first, second, third));
        Assert.True(await primary.ExistsAsync(cache.Client.GetFullKey("items", "a")));
        Assert.Equal((1L, 2L, 0L), (cache.Client.GetStatistics().Hits, cache.Client.GetStatistics().Misses, cache.Client.GetStatistics().Errors));
        Assert.False(cache.Client.IsReadOnly);
    }

    [RedisFact]
    public async Task SentinelFailover_16CallersReadingAndInvalidating_NoException_BackWithin5s()
    {
        // arrange
        using var cache = await TestCache.CreateAsync(sentinel.Configuration);
        string[] keys = [.. Enumerable.Range(0, 300).Select(i => "i" + i.ToString(CultureInfo.InvariantCulture))];
        string[] probeKeys = [.. Enumerable.Range(0, 400).Select(i => "probe" + i.ToString(CultureInfo.InvariantCulture))];
        var workload = new FailoverWorkload(sentinel.Configuration, cache, s_items, keys, probeKeys);

        // act
        FailoverWorkload.Result result;
        try
        {
            result = await workload.RunAsync(async () => (await sentinel.FailoverAsync(TimeSpan.FromSeconds(20))).Elapsed, after: TimeSpan.FromSeconds(1));
        }
        finally
        {
            await sentinel.RestoreAsync();
        }

        // assert
        foreach (var entry in cache.Logger.Collector.GetSnapshot().Where(e => e.Id.Id is 38 or 42 or 43 or 32))
        {
            output.WriteLine(entry.Id.Name + ": " + entry.Message);
        }

        result.AssertFollowed(output, cache.Client);
    }
}
