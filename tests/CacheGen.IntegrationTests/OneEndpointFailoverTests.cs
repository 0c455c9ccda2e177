using System.Diagnostics;
using System.Globalization;
using CacheGen.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace CacheGen.IntegrationTests;

/// <summary>
/// Issue 10 item 3 (docs/design.md S28): a primary + replica pair without Sentinel swaps roles. With only the old primary
/// configured CacheGen cannot reach the new one: it must notice the demotion, stop writing, keep invalidations queued,
/// and say in one warning what the user must configure. With both endpoints configured it follows the new primary.
/// </summary>
[Collection(FaultCollection.Name)]
[Trait("Category", "Fault")]
public sealed class OneEndpointFailoverTests(ITestOutputHelper output)
{
    private static readonly CachedMethod s_method = new("pair", "Pair.Get", 300, "fp-pair");

    [RedisFact]
    public async Task OneEndpointConfigured_PrimaryDemoted_ReadOnlyWithAWarningThatSaysWhatToConfigure()
    {
        // arrange
        using var primary = RedisServerFixture.Start("--repl-diskless-sync-delay", "0");
        using var replica = RedisServerFixture.Start("--repl-diskless-sync-delay", "0", "--replicaof", "127.0.0.1", primary.Port.ToString(CultureInfo.InvariantCulture));
        await replica.WaitForReplicationAsync(TimeSpan.FromSeconds(10));
        using var cache = await TestCache.CreateAsync(primary.Configuration);
        Assert.Equal("v1", await cache.GetAsync(s_method, "k", () => "v1"));

        // act: the replica is promoted, the old primary follows it
        (await replica.ExecuteAsync("REPLICAOF", "NO", "ONE")).EnsureSuccess();
        (await primary.ExecuteAsync("REPLICAOF", "127.0.0.1", replica.Port.ToString(CultureInfo.InvariantCulture))).EnsureSuccess();
        var clock = Stopwatch.StartNew();
        int misses = 0;
        while (!cache.Client.IsReadOnly && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            await cache.GetAsync(s_method, "m" + (misses++).ToString(CultureInfo.InvariantCulture), () => "x");
            await Task.Delay(50);
        }

        var noticed = clock.Elapsed;
        await cache.Client.InvalidateKeyAsync("pair", "k");

        // assert
        var warnings = cache.Logger.Collector.GetSnapshot().Where(e => e.Level >= LogLevel.Warning).ToList();
        output.WriteLine($"read-only after {noticed.TotalMilliseconds:F0} ms; {cache.Client.GetStatistics()}; warnings: {string.Join(" | ", warnings.Select(w => $"{w.Id.Name}: {w.Message}"))}");
        Assert.True(cache.Client.IsReadOnly, "the demotion is noticed");
        Assert.True(noticed < TimeSpan.FromSeconds(6), $"noticed after {noticed}");
        var warning = Assert.Single(warnings, w => w.Id.Name == "StoreReadOnly");
        Assert.Contains("127.0.0.1:" + replica.Port.ToString(CultureInfo.InvariantCulture), warning.Message, StringComparison.Ordinal);
        Assert.Contains("serviceName", warning.Message, StringComparison.Ordinal);
        Assert.Equal(1, cache.Client.GetStatistics().PendingInvalidations);
    }

    [RedisFact]
    public async Task BothEndpointsConfigured_RolesSwapped_WriteBacksResumeOnTheNewPrimaryWithin5s()
    {
        // arrange
        using var primary = RedisServerFixture.Start("--repl-diskless-sync-delay", "0");
        using var replica = RedisServerFixture.Start("--repl-diskless-sync-delay", "0", "--replicaof", "127.0.0.1", primary.Port.ToString(CultureInfo.InvariantCulture));
        await replica.WaitForReplicationAsync(TimeSpan.FromSeconds(10));
        using var cache = await TestCache.CreateAsync(primary.Configuration + "," + replica.Configuration);
        Assert.Equal("v1", await cache.GetAsync(s_method, "k", () => "v1"));

        // act
        (await replica.ExecuteAsync("REPLICAOF", "NO", "ONE")).EnsureSuccess();
        (await primary.ExecuteAsync("REPLICAOF", "127.0.0.1", replica.Port.ToString(CultureInfo.InvariantCulture))).EnsureSuccess();
        var clock = Stopwatch.StartNew();
        TimeSpan? back = null;
        for (int i = 0; back is null && clock.Elapsed < TimeSpan.FromSeconds(10); i++)
        {
            string key = "p" + i.ToString(CultureInfo.InvariantCulture);
            await cache.GetAsync(s_method, key, () => "x");
            if (await replica.ExistsAsync(cache.Client.GetFullKey("pair", key)))
            {
                back = clock.Elapsed;
            }

            await Task.Delay(50);
        }

        // assert
        output.WriteLine($"write-backs on the new primary after {back?.TotalMilliseconds:F0} ms; {cache.Client.GetStatistics()}");
        Assert.NotNull(back);
        Assert.True(back <= TimeSpan.FromSeconds(5), $"back after {back}");
    }
}
