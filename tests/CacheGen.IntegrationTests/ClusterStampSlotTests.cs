using System.Globalization;
using CacheGen.IntegrationTests.Infrastructure;

namespace CacheGen.IntegrationTests;

/// <summary>
/// Issue 10 item 2: what a namespace stamp living on one hash slot costs on a Cluster. Every read of an entry also
/// reads its namespace stamp (and its tag stamps) and the prefix's epoch key, so the primary that owns the stamp's slot
/// serves one extra GET per hit of the whole namespace, and the epoch's primary one per hit of the whole cache. Measured as per-primary <c>INFO commandstats</c> deltas under 16 concurrent callers.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Cluster")]
public sealed class ClusterStampSlotTests(RedisClusterFixture cluster, ITestOutputHelper output)
{
    private const int Keys = 3000;
    private const int Callers = 16;
    private const int HitsPerCaller = 1000;

    private static readonly CachedMethod s_hot = new("hot", "Hot.Get", 300, "fp-hot");

    [RedisFact]
    public async Task NamespaceStamp_OnOneSlot_ItsPrimaryServesOneGetPerHitOfTheNamespace()
    {
        // arrange: 3,000 entries of one namespace, spread over the three primaries, written and warm
        // GETs per hit on each primary: the Redis level, so the in-process level is off
        using var cache = await TestCache.CreateAsync(cluster.Configuration, o => { o.OperationTimeoutMs = 2000; o.L1.Enabled = false; });
        string[] keys = [.. Enumerable.Range(0, Keys).Select(i => "r" + i.ToString(CultureInfo.InvariantCulture))];
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = Callers }, async (k, _) => await cache.GetAsync(s_hot, k, () => "v-" + k));
        var primaries = await cluster.GetPrimariesAsync();
        var stampOwner = await cluster.GetPrimaryOfAsync(cache.Options.KeyPrefix + ":%ns:hot");
        var epochOwner = await cluster.GetPrimaryOfAsync(cache.Options.KeyPrefix + ":%epoch");
        var before = await GetStatsAsync(primaries);
        long hitsBefore = cache.Client.GetStatistics().Hits;

        // act: 16 callers x 1,000 hits
        await Task.WhenAll(Enumerable.Range(0, Callers).Select(c => Task.Run(async () =>
        {
            var random = new Random(c);
            for (int i = 0; i < HitsPerCaller; i++)
            {
                string k = keys[random.Next(Keys)];
                Assert.Equal("v-" + k, await cache.GetAsync(s_hot, k, () => "recomputed"));
            }
        })));

        // assert
        var after = await GetStatsAsync(primaries);
        long hits = cache.Client.GetStatistics().Hits - hitsBefore;
        var gets = primaries.Select((p, i) => after[i].Calls - before[i].Calls).ToList();
        var usec = primaries.Select((p, i) => after[i].Usec - before[i].Usec).ToList();
        int owner = primaries.ToList().IndexOf(stampOwner);
        int epoch = primaries.ToList().IndexOf(epochOwner);
        long total = gets.Sum();
        output.WriteLine($"{hits} hits; GET calls per primary (namespace stamp on #{owner}, prefix epoch on #{epoch}): {string.Join(", ", gets)} = {total}; stamp owner share {100.0 * gets[owner] / total:F1} %; GET usec per primary: {string.Join(", ", usec)}");
        // concurrent reads of one key share one store read (single-flight), so a few calls are not store hits
        Assert.InRange(hits, Callers * HitsPerCaller * 9 / 10, Callers * HitsPerCaller);
        Assert.Equal(3 * hits, total);                        // per hit: the entry, the prefix epoch, the namespace stamp
        long stampReads = owner == epoch ? 2 * hits : hits;   // the two single-slot keys may share a primary
        Assert.InRange(gets[owner], stampReads, stampReads + (hits / 2)); // plus the owner's share of entries
        Assert.InRange(gets[epoch], hits, (2 * hits) + (hits / 2));
        Assert.All(gets.Where((_, i) => i != owner && i != epoch), g => Assert.True(g < hits / 2, "the other primaries serve entries only"));
    }

    private static async Task<List<(long Calls, long Usec)>> GetStatsAsync(IReadOnlyList<RedisServerFixture> primaries)
    {
        var result = new List<(long, long)>();
        foreach (var primary in primaries)
        {
            string info = (await primary.ExecuteAsync("INFO", "commandstats")).EnsureSuccess().Text;
            string line = info.Split("\r\n").FirstOrDefault(l => l.StartsWith("cmdstat_get:", StringComparison.Ordinal)) ?? "cmdstat_get:calls=0,usec=0";
            var fields = line["cmdstat_get:".Length..].Split(',').Select(f => f.Split('=')).ToDictionary(f => f[0], f => f[1], StringComparer.Ordinal);
            result.Add((long.Parse(fields["calls"], CultureInfo.InvariantCulture), long.Parse(fields["usec"], CultureInfo.InvariantCulture)));
        }

        return result;
    }
}
