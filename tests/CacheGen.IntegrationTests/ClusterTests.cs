using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using CacheGen.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace CacheGen.IntegrationTests;

/// <summary>
/// Issue 10 item 2 (docs/design.md S15, S19): everything CacheGen does, on a real Redis Cluster of 3 primaries and
/// 3 replicas, with keys on all three primaries and no command that spans hash slots.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Cluster")]
public sealed class ClusterTests(RedisClusterFixture cluster, ITestOutputHelper output)
{
    private static readonly CachedMethod s_users = new("users", "User.Get", 300, "fp-users");

    [RedisFact]
    public async Task EveryOperation_KeysOnAllThreePrimaries_HitsWriteBacksInvalidationsAdminAndStatistics_NoCrossSlot()
    {
        // arrange: 60 entries with 3 tags, an oracle of versions per key
        var errorsBefore = await cluster.ErrorCountsAsync();
        // a generous operation timeout: each miss returns once its write-back landed, so the second pass is all hits by
        // construction (with 250 ms a loaded machine can return a miss before its write-back, or time a read out)
        using var cache = await TestCache.CreateAsync(cluster.Configuration, o => o.OperationTimeoutMs = 5000);
        var versions = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        string[] keys = [.. Enumerable.Range(0, 60).Select(i => "k" + i.ToString(CultureInfo.InvariantCulture))];
        async Task<List<string>> ReadAllAsync()
        {
            var read = new List<string>();
            foreach (string key in keys)
            {
                string tag = "t" + (int.Parse(key[1..], CultureInfo.InvariantCulture) % 3).ToString(CultureInfo.InvariantCulture);
                read.Add(await cache.GetAsync(s_users, key, () => key + ":" + versions.AddOrUpdate(key, 1, static (_, v) => v + 1).ToString(CultureInfo.InvariantCulture), [tag]));
            }

            return read;
        }

        string Expected(string key) => key + ":" + versions[key].ToString(CultureInfo.InvariantCulture);

        // act + assert: misses, then hits on every primary
        var first = await ReadAllAsync();
        var second = await ReadAllAsync();
        Assert.Equal(keys.Select(k => k + ":1"), first);
        Assert.Equal(first, second);
        Assert.Equal((60L, 60L, 0L), (cache.Client.GetStatistics().Hits, cache.Client.GetStatistics().Misses, cache.Client.GetStatistics().Errors));
        var primaries = await cluster.GetPrimariesAsync();
        var perPrimary = new List<int>();
        foreach (var primary in primaries)
        {
            perPrimary.Add((await ScanAsync(primary, cache.Options.KeyPrefix + ":users:*")).Count);
        }

        output.WriteLine("entries per primary: " + string.Join(", ", perPrimary));
        Assert.Equal(3, primaries.Count);
        Assert.All(perPrimary, n => Assert.True(n > 0, "every primary holds entries"));
        Assert.Equal(60, perPrimary.Sum());

        // key, tag and namespace invalidation: only what they cover runs again, and nothing stale is read
        await cache.Client.InvalidateKeyAsync("users", "k0");
        var afterKey = await ReadAllAsync();
        Assert.Equal(keys.Select(Expected), afterKey);
        Assert.Equal(2, versions["k0"]);
        Assert.Equal(59, versions.Values.Count(v => v == 1));

        await cache.Client.InvalidateTagAsync("t1");
        var afterTag = await ReadAllAsync();
        Assert.Equal(keys.Select(Expected), afterTag);
        Assert.All(keys.Where((_, i) => i % 3 == 1), k => Assert.Equal(2, versions[k]));

        await cache.Client.InvalidateNamespaceAsync("users");
        var afterNamespace = await ReadAllAsync();
        Assert.Equal(keys.Select(Expected), afterNamespace);
        Assert.All(keys, k => Assert.True(versions[k] >= 2));

        // operator pattern delete: k1, k10..k19 live on every primary
        string[] oracle = [.. keys.Where(k => k.StartsWith("k1", StringComparison.Ordinal)).Select(k => cache.Client.GetFullKey("users", k))];
        var beforePattern = await ScanAllAsync(primaries, cache.Options.KeyPrefix + ":users:*");
        long removed = await cache.Client.InvalidatePatternAsync("users", "k1*");
        var afterPattern = await ScanAllAsync(primaries, cache.Options.KeyPrefix + ":users:*");
        Assert.Equal(oracle.Length, removed);
        Assert.Equal(oracle.Order(StringComparer.Ordinal), beforePattern.Except(afterPattern).Order(StringComparer.Ordinal));

        // statistics are the sum over the primaries, bracketed by what each primary reports before and after
        long hitsBefore = await SumInfoAsync(primaries, "keyspace_hits");
        var stats = await cache.Client.GetStatisticsAsync();
        long hitsAfter = await SumInfoAsync(primaries, "keyspace_hits");
        output.WriteLine($"keyspace_hits {hitsBefore}..{hitsAfter}, reported {stats.RedisKeyspaceHits}; clients {stats.RedisConnectedClients}");
        Assert.InRange(stats.RedisKeyspaceHits!.Value, hitsBefore, hitsAfter);
        Assert.NotNull(stats.RedisUsedMemoryBytes);

        // health
        var health = await new CacheGenHealthCheck(cache.Client).CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Healthy, health.Status);

        // clear on every primary: entries, tombstones and stamps of this prefix
        var everything = await ScanAllAsync(primaries, cache.Options.KeyPrefix + ":*");
        long cleared = await cache.Client.ClearAsync();
        Assert.Equal(everything.Count, cleared);
        Assert.Empty(await ScanAllAsync(primaries, cache.Options.KeyPrefix + ":*"));

        // no command spanned slots; and the check can see one: a cross-slot MGET is counted
        var errorsAfter = await cluster.ErrorCountsAsync();
        output.WriteLine("errors during the test: " + string.Join(", ", errorsAfter.Select(e => $"{e.Key}={e.Value - errorsBefore.GetValueOrDefault(e.Key)}")));
        Assert.Equal(errorsBefore.GetValueOrDefault("CROSSSLOT"), errorsAfter.GetValueOrDefault("CROSSSLOT"));
        Assert.Equal(0, cache.Client.GetStatistics().Errors);
        var crossSlot = await primaries[0].ExecuteAsync("MGET", "{a}x", "{b}y");
        Assert.Equal(RedisReplyKind.Error, crossSlot.Kind);
        Assert.Equal(errorsAfter.GetValueOrDefault("CROSSSLOT") + 1, (await cluster.ErrorCountsAsync()).GetValueOrDefault("CROSSSLOT"));
    }

    [RedisFact]
    public async Task PatternDelete_30000KeysOverThreePrimaries_DeletesExactlyTheOracleSet()
    {
        // arrange: 30,000 keys of one namespace, written raw and pipelined; the oracle is decided from the numbers
        using var cache = await TestCache.CreateAsync(cluster.Configuration, o => o.AdminTimeoutSeconds = 120);
        using var raw = await ConnectionMultiplexer.ConnectAsync(cluster.Configuration);
        var db = raw.GetDatabase();
        string[] all = [.. Enumerable.Range(0, 30_000).Select(i => cache.Client.GetFullKey("bulk", "rack:" + i.ToString(CultureInfo.InvariantCulture)))];
        foreach (var chunk in all.Chunk(2000))
        {
            await Task.WhenAll(chunk.Select(k => db.StringSetAsync(k, "x", TimeSpan.FromMinutes(10))));
        }

        var oracle = Enumerable.Range(0, 30_000).Where(i => i.ToString(CultureInfo.InvariantCulture).StartsWith('1'))
            .Select(i => cache.Client.GetFullKey("bulk", "rack:" + i.ToString(CultureInfo.InvariantCulture))).ToHashSet(StringComparer.Ordinal);
        var primaries = await cluster.GetPrimariesAsync();
        var perPrimary = new List<int>();
        foreach (var primary in primaries)
        {
            perPrimary.Add((await ScanAsync(primary, cache.Options.KeyPrefix + ":bulk:*")).Count);
        }

        // act
        var clock = Stopwatch.StartNew();
        long removed = await cache.Client.InvalidatePatternAsync("bulk", "rack:1*");
        clock.Stop();

        // assert: 0 over, 0 under
        var left = await ScanAllAsync(primaries, cache.Options.KeyPrefix + ":bulk:*");
        var deleted = all.Except(left).ToHashSet(StringComparer.Ordinal);
        int over = deleted.Count(k => !oracle.Contains(k));
        int under = oracle.Count(k => !deleted.Contains(k));
        output.WriteLine($"keys per primary {string.Join(", ", perPrimary)}; oracle {oracle.Count}; removed {removed} in {clock.ElapsedMilliseconds} ms; over {over}, under {under}");
        Assert.Equal(3, perPrimary.Count);
        Assert.All(perPrimary, n => Assert.True(n > 9000, "keys spread over every primary"));
        Assert.Equal(30_000, perPrimary.Sum());
        Assert.Equal(11_111, oracle.Count);
        Assert.Equal((0, 0), (over, under));
        Assert.Equal(oracle.Count, removed);
        Assert.Equal(30_000 - oracle.Count, left.Count);
        await cache.Client.ClearAsync();
    }

    /// <summary>Returns every key matching <paramref name="pattern"/> on one node, by <c>SCAN</c> to cursor 0.</summary>
    internal static async Task<List<string>> ScanAsync(RedisServerFixture node, string pattern)
    {
        var keys = new List<string>();
        string cursor = "0";
        do
        {
            var reply = (await node.ExecuteAsync("SCAN", cursor, "MATCH", pattern, "COUNT", 1000)).EnsureSuccess();
            cursor = reply.Items![0].Text;
            keys.AddRange(reply.Items[1].Items!.Select(i => i.Text));
        }
        while (cursor != "0");
        return keys;
    }

    /// <summary>Returns every key matching <paramref name="pattern"/> on the given primaries.</summary>
    internal static async Task<List<string>> ScanAllAsync(IReadOnlyList<RedisServerFixture> primaries, string pattern)
    {
        var keys = new List<string>();
        foreach (var primary in primaries)
        {
            keys.AddRange(await ScanAsync(primary, pattern));
        }

        return keys;
    }

    private static async Task<long> SumInfoAsync(IReadOnlyList<RedisServerFixture> nodes, string field)
    {
        long sum = 0;
        foreach (var node in nodes)
        {
            string info = (await node.ExecuteAsync("INFO", "stats")).EnsureSuccess().Text;
            string line = info.Split("\r\n").Single(l => l.StartsWith(field + ":", StringComparison.Ordinal));
            sum += long.Parse(line[(field.Length + 1)..], CultureInfo.InvariantCulture);
        }

        return sum;
    }
}
