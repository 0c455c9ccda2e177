using System.Diagnostics;
using System.Globalization;
using CacheGen.IntegrationTests.Infrastructure;

namespace CacheGen.IntegrationTests;

/// <summary>
/// Issue 4: namespace and tag invalidation over 100,000 entries. The Redis work must not grow with the number of
/// entries: the commands each invalidation sends are counted with <c>INFO commandstats</c> at 1,000 and at 100,000
/// entries, every sampled entry reads as a miss afterwards, and the times are written to the test output.
/// </summary>
[Collection(ScaleCollection.Name)]
[Trait("Category", "Scale")]
public sealed class InvalidationScaleTests(ITestOutputHelper output)
{
    private const int Concurrency = 64;
    private const int Sample = 1_000;

    // background traffic of the client library and of the measurement itself, not of the invalidation
    private static readonly string[] s_notInvalidation = ["info", "ping", "echo"];

    [RedisFact]
    public async Task NamespaceAndTagInvalidation_Over100000Entries_SendTheSameFewCommandsAsOver1000()
    {
        // arrange: a server of our own, a writing client and a read-only one that samples without writing back
        using var server = RedisServerFixture.Start();
        using var cache = await TestCache.CreateAsync(server.Configuration, Configure);
        using var sampler = await TestCache.CreateAsync(server.Configuration, o =>
        {
            Configure(o);
            o.KeyPrefix = cache.Options.KeyPrefix;
            o.ReadOnly = true;
        });

        // the first invalidation loads the script (SCRIPT LOAD, EVAL); later ones send EVALSHA only
        await cache.Client.InvalidateNamespaceAsync("warm-up");

        // act
        var small = await MeasureAsync(server, cache, sampler, "scale-small", 1_000);
        var large = await MeasureAsync(server, cache, sampler, "scale-large", 100_000);

        // assert: a constant, small number of commands, whatever the count. commandstats also counts the commands a
        // script runs inside Redis: EVALSHA (the round trip) plus its DEL and SET make 3, and the PUBLISH that tells the
        // other processes' L1 (sent with L1 off here too: docs/design.md, "The backplane") makes 4
        foreach (var m in new[] { small, large })
        {
            output.WriteLine(
                $"{m.Entries,7:N0} entries: filled in {m.Fill.TotalSeconds:F1} s; namespace invalidation {m.NamespaceTime.TotalMilliseconds:F3} ms "
                + $"({Show(m.NamespaceCommands)}); tag invalidation {m.TagTime.TotalMilliseconds:F3} ms ({Show(m.TagCommands)}); "
                + $"for contrast, the operator pattern delete of the same entries: {m.PatternTime.TotalMilliseconds:F0} ms ({Show(m.PatternCommands)})");
        }

        Assert.InRange(large.NamespaceCommands.Values.Sum(), 1, 4);
        Assert.InRange(large.TagCommands.Values.Sum(), 1, 4);
        Assert.Equal(1, large.NamespaceCommands.GetValueOrDefault("publish"));
        Assert.Equal(1, large.TagCommands.GetValueOrDefault("publish"));
        Assert.Equal(small.NamespaceCommands, large.NamespaceCommands);
        Assert.Equal(small.TagCommands, large.TagCommands);
        Assert.Equal(1, large.NamespaceCommands.GetValueOrDefault("evalsha"));
        Assert.Equal(1, large.TagCommands.GetValueOrDefault("evalsha"));
        Assert.True(large.PatternCommands.GetValueOrDefault("unlink") >= 100, "the pattern delete, by contrast, grows with the entries");
    }

    private static void Configure(CacheGenOptions options)
    {
        // the Redis level: the sampler reads right after the other client's invalidation returns, with no window
        // (with L1 on it would serve its copies for the backplane's delivery time; see L1BackplaneTests)
        options.L1.Enabled = false;
        options.OperationTimeoutMs = 10_000;
        options.BreakerFailureThreshold = 1000;
    }

    private async Task<Measurement> MeasureAsync(RedisServerFixture server, TestCache cache, TestCache sampler, string ns, int entries)
    {
        var method = new CachedMethod(ns, "Scale.Get", 3600, "fp-scale");
        string[] tags = ["bulk-" + ns];

        // fill through the client, 64 calls in flight: every entry a real envelope with its namespace and tag stamps
        var fill = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, entries), new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (i, _) =>
            await cache.Client.GetOrSetAsync(method, Key(i), tags, i, static (v, _) => new ValueTask<int>(v)));
        fill.Stop();
        // every entry is in Redis, and so are the namespace's and the tag's stamps, created before the first write that
        // recorded them. Counted by name: the server's key count also holds keys that are not this measurement's (one
        // that expired during the fill made the count one short in two suite runs, with all 100,000 writes accepted). A
        // caller waits for its write-back only what its read left of the operation timeout (docs/design.md, "The
        // caller's budget"), so the last writes may land just after the fill returned: a write that never lands still
        // fails here, and one that failed is counted by the next assertion
        string prefix = cache.Options.KeyPrefix;
        long written = await CountKeysAsync(server, prefix + ":" + ns + ":*");
        var settling = Stopwatch.StartNew();
        while (written < entries && settling.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(100);
            written = await CountKeysAsync(server, prefix + ":" + ns + ":*");
        }

        if (written != entries)
        {
            // what the client saw, for the failure message below
            var events = cache.Logger.Collector.GetSnapshot().GroupBy(e => e.Id.Name).Select(g => $"{g.Key} x{g.Count()}");
            output.WriteLine($"{ns}: {written} keys for {entries} entries; {cache.Client.GetStatistics()}; log: {string.Join(", ", events)}");
        }

        Assert.Equal(entries, written);
        Assert.Equal(2, (await server.ExecuteAsync("EXISTS", prefix + ":%ns:" + ns, prefix + ":%tag:" + tags[0])).EnsureSuccess().Integer);
        Assert.Equal(0, cache.Client.GetStatistics().Errors);
        Assert.Equal(Sample, await SampleHitsAsync(sampler, method, tags, entries));

        // namespace invalidation
        var (namespaceTime, namespaceCommands) = await MeasureCommandsAsync(server, () => cache.Client.InvalidateNamespaceAsync(ns));
        Assert.Equal(0, await SampleHitsAsync(sampler, method, tags, entries));

        // a lost stamp never revives what it invalidated (docs/design.md S24); a tag invalidation costs the same few
        // commands whether or not its entries are still live, so it is measured on the same keys without filling twice
        (await server.ExecuteAsync("DEL", cache.Options.KeyPrefix + ":%ns:" + ns)).EnsureSuccess();
        Assert.Equal(0, await SampleHitsAsync(sampler, method, tags, entries));
        var (tagTime, tagCommands) = await MeasureCommandsAsync(server, () => cache.Client.InvalidateTagAsync(tags[0]));
        Assert.Equal(0, await SampleHitsAsync(sampler, method, tags, entries));
        Assert.Equal(0, cache.Client.GetStatistics().PendingInvalidations);

        // for contrast, and to clean up: the operator's pattern delete walks every key
        long removed = 0;
        var (patternTime, patternCommands) = await MeasureCommandsAsync(server, async () => removed = await cache.Client.InvalidatePatternAsync(ns, "*"));
        Assert.Equal(entries, removed);
        return new Measurement(entries, fill.Elapsed, namespaceTime, namespaceCommands, tagTime, tagCommands, patternTime, patternCommands);
    }

    /// <summary>Reads 1,000 random entries through a read-only client and returns how many were hits.</summary>
    private static async Task<int> SampleHitsAsync(TestCache sampler, CachedMethod method, string[] tags, int entries)
    {
        var random = new Random(entries);
        int hits = 0;
        foreach (int i in Enumerable.Range(0, Sample).Select(_ => random.Next(entries)))
        {
            bool ran = false;
            await sampler.Client.GetOrSetAsync(method, Key(i), tags, i, (v, _) =>
            {
                ran = true;
                return new ValueTask<int>(v);
            });
            hits += ran ? 0 : 1;
        }

        return hits;
    }

    private static async Task<(TimeSpan Time, Dictionary<string, long> Commands)> MeasureCommandsAsync(RedisServerFixture server, Func<ValueTask> invalidation)
    {
        var before = await server.CommandCallsAsync();
        var clock = Stopwatch.StartNew();
        await invalidation();
        clock.Stop();
        var after = await server.CommandCallsAsync();
        var delta = after
            .Where(c => !s_notInvalidation.Contains(c.Key))
            .Select(c => (c.Key, Calls: c.Value - before.GetValueOrDefault(c.Key)))
            .Where(c => c.Calls > 0)
            .ToDictionary(c => c.Key, c => c.Calls, StringComparer.Ordinal);
        return (clock.Elapsed, delta);
    }

    /// <summary>Counts the keys matching <paramref name="pattern"/> (a SCAN over the whole keyspace).</summary>
    private static async Task<long> CountKeysAsync(RedisServerFixture server, string pattern)
    {
        long count = 0;
        string cursor = "0";
        do
        {
            var reply = (await server.ExecuteAsync(TimeSpan.FromSeconds(30), "SCAN", cursor, "MATCH", pattern, "COUNT", "10000")).EnsureSuccess();
            cursor = reply.Items![0].Text;
            count += reply.Items[1].Items!.Count;
        }
        while (cursor != "0");

        return count;
    }

    private static string Key(int i) => "item:" + i.ToString(CultureInfo.InvariantCulture);

    private static string Show(Dictionary<string, long> commands) =>
        commands.Count == 0 ? "no commands" : string.Join(", ", commands.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} x{c.Value}"));

    private sealed record Measurement(
        int Entries,
        TimeSpan Fill,
        TimeSpan NamespaceTime,
        Dictionary<string, long> NamespaceCommands,
        TimeSpan TagTime,
        Dictionary<string, long> TagCommands,
        TimeSpan PatternTime,
        Dictionary<string, long> PatternCommands);
}
