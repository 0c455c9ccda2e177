using System.Diagnostics;
using System.Globalization;
using CacheGen.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace CacheGen.IntegrationTests;

/// <summary>
/// docs/design.md S8: pointed at a replica, the client detects it (INFO replication), serves reads, skips write-backs
/// with one warning and no error, keeps invalidations queued, and replays them once the node takes writes.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class ReplicaTests(ITestOutputHelper output)
{
    private static readonly CachedMethod s_users = new("users", "User.Get", 60, "fp-users");

    [RedisFact]
    public async Task Replica_ServesReads_SkipsWriteBacks_OneWarningOver20Calls()
    {
        // arrange: 10 entries written on the primary, replicated
        using var primary = RedisServerFixture.Start("--repl-diskless-sync-delay", "0");
        using var replica = RedisServerFixture.Start("--replicaof", "127.0.0.1", primary.Port.ToString(CultureInfo.InvariantCulture));
        await replica.WaitForReplicationAsync(TimeSpan.FromSeconds(10));
        string prefix = TestCache.NewPrefix();
        using var writer = await CreateAsync(primary.Configuration, prefix);
        for (int i = 0; i < 10; i++)
        {
            string key = "warm" + i.ToString(CultureInfo.InvariantCulture);
            await writer.GetAsync(s_users, key, () => "primary-" + key);
        }

        await WaitUntilAsync(() => replica.ExistsAsync(writer.Client.GetFullKey("users", "warm9")));
        using var reader = await CreateAsync(replica.Configuration, prefix);

        // act: 20 calls, half on replicated entries, half on keys nobody cached
        var results = new List<string>();
        for (int i = 0; i < 20; i++)
        {
            string key = (i % 2 == 0 ? "warm" : "cold") + (i / 2).ToString(CultureInfo.InvariantCulture);
            results.Add(await reader.GetAsync(s_users, key, () => "factory-" + key));
        }

        // assert
        var stats = reader.Client.GetStatistics();
        var warnings = reader.Logger.Collector.GetSnapshot().Where(e => e.Level >= LogLevel.Warning).ToList();
        output.WriteLine($"{stats}; warnings: {string.Join(" | ", warnings.Select(w => $"{w.Id.Name}: {w.Message}"))}");
        Assert.True(reader.Store.IsReadOnly);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (i % 2 == 0 ? "primary-warm" : "factory-cold") + (i / 2).ToString(CultureInfo.InvariantCulture)), results);
        Assert.Equal((10L, 10L, 0L), (stats.Hits, stats.Misses, stats.Errors));
        Assert.Equal(CircuitState.Closed, stats.CircuitState);
        Assert.True(stats.ReadOnly);
        var warning = Assert.Single(warnings);
        Assert.Equal("StoreReadOnly", warning.Id.Name);
        for (int i = 0; i < 10; i++)
        {
            Assert.False(await primary.ExistsAsync(reader.Client.GetFullKey("users", "cold" + i.ToString(CultureInfo.InvariantCulture))));
        }
    }

    [RedisFact]
    public async Task Replica_InvalidationIsQueued_ThenReplayedOnceTheReplicaIsPromoted()
    {
        // arrange
        using var primary = RedisServerFixture.Start("--repl-diskless-sync-delay", "0");
        using var replica = RedisServerFixture.Start("--replicaof", "127.0.0.1", primary.Port.ToString(CultureInfo.InvariantCulture));
        await replica.WaitForReplicationAsync(TimeSpan.FromSeconds(10));
        string prefix = TestCache.NewPrefix();
        using var writer = await CreateAsync(primary.Configuration, prefix);
        await writer.GetAsync(s_users, "k", () => "v1");
        string fullKey = writer.Client.GetFullKey("users", "k");
        await WaitUntilAsync(() => replica.ExistsAsync(fullKey));
        using var reader = await CreateAsync(replica.Configuration, prefix);
        reader.Store.RoleRecheckInterval = TimeSpan.FromMilliseconds(100);

        // act: the invalidation cannot reach the replica; the stale entry must not be served meanwhile
        await reader.Client.InvalidateKeyAsync("users", "k");
        var queued = reader.Client.GetStatistics();
        string whileQueued = await reader.GetAsync(s_users, "k", () => "v2");
        (await replica.ExecuteAsync("REPLICAOF", "NO", "ONE")).EnsureSuccess();
        var promoted = Stopwatch.StartNew();
        await WaitUntilAsync(async () => reader.Client.GetStatistics().PendingInvalidations == 0 && await IsTombstoneAsync(replica, fullKey));
        long replayMs = promoted.ElapsedMilliseconds;
        string afterReplay = await reader.GetAsync(s_users, "k", () => "v3");
        await WaitUntilAsync(async () => !await IsTombstoneAsync(replica, fullKey));
        string cached = await reader.GetAsync(s_users, "k", () => "not called");

        // assert
        var stats = reader.Client.GetStatistics();
        output.WriteLine($"replayed {replayMs} ms after the promotion; {stats}");
        Assert.Equal((1, 0L), (queued.PendingInvalidations, queued.Errors));
        Assert.Equal("v2", whileQueued);
        Assert.Equal("v3", afterReplay);
        Assert.Equal("v3", cached);
        Assert.False(reader.Store.IsReadOnly);
        Assert.False(stats.ReadOnly);
        Assert.Equal(0, stats.Errors);
        await AssertLoggedAsync(reader, "StoreWritable");
        await AssertLoggedAsync(reader, "InvalidationsReplayed");
    }

    /// <summary>
    /// Asserts that <paramref name="cache"/> logged an entry named <paramref name="eventName"/>, allowing 10 s for a log
    /// written on a background path (the replay, the role check) after the state the test waited for; the message lists
    /// every entry the client logged.
    /// </summary>
    private static async Task AssertLoggedAsync(TestCache cache, string eventName)
    {
        var elapsed = Stopwatch.StartNew();
        while (!cache.Logger.Collector.GetSnapshot().Any(e => e.Id.Name == eventName) && elapsed.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
        }

        var log = cache.Logger.Collector.GetSnapshot();
        Assert.True(
            log.Any(e => e.Id.Name == eventName),
            $"no '{eventName}' entry after {elapsed.ElapsedMilliseconds} ms; the client logged:\n" + string.Join("\n", log.Select(e => $"{e.Timestamp:HH:mm:ss.fff} {e.Level} {e.Id.Name}: {e.Message}")));
    }

    private static async Task<bool> IsTombstoneAsync(RedisServerFixture server, string key) =>
        await server.GetBytesAsync(key) is [(byte)'C', (byte)'G', 2, ..];

    private static Task<TestCache> CreateAsync(string connection, string prefix) =>
        TestCache.CreateAsync(connection, o =>
        {
            o.KeyPrefix = prefix;
            o.OperationTimeoutMs = 5000;
        });

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var elapsed = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(10), "timed out waiting for a condition");
            await Task.Delay(20);
        }
    }
}
