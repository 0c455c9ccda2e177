using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CacheGen.Internal;
using CacheGen.IntegrationTests.Generated;
using CacheGen.IntegrationTests.Infrastructure;

namespace CacheGen.IntegrationTests;

/// <summary>
/// docs/design.md S15: operator pattern invalidation and clear-all against a real Redis: exact deletes for glob
/// characters, SCAN (never KEYS) on every primary, UNLINK in batches of at most 1000, nothing outside the prefix.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed partial class PatternInvalidationTests(RedisServerFixture server, ITestOutputHelper output)
{
    private static readonly string[] s_s15 = ["al*", "a?ice", "al[i]ce", @"back\slash", "alice", "bob", "x]y", "^", "-", "*", ""];

    public static TheoryData<string> S15Values => new(s_s15);

    [RedisTheory]
    [MemberData(nameof(S15Values))]
    public async Task InvalidatePattern_LiteralOfAnS15Value_DeletesExactlyItsEntry_ThroughTheGeneratedWrapper(string value)
    {
        // arrange: one entry per S15 value, written by generated code under Key = "rack:{name}"
        using var cache = await TestCache.CreateAsync(server.Configuration, o => o.OperationTimeoutMs = 5000);
        var service = new PeopleService(cache.Client);
        foreach (string v in s_s15)
        {
            await service.GetAsync(v);
        }

        var before = await ScanAsync(server, cache.Options.KeyPrefix + ":people:*");

        // act
        long removed = await cache.Client.InvalidatePatternAsync("people", "rack:" + CacheKeyPattern.Literal(value));

        // assert: the oracle set is exactly the key of this value
        var after = await ScanAsync(server, cache.Options.KeyPrefix + ":people:*");
        var deleted = before.Except(after).ToList();
        output.WriteLine($"'{value}': removed {removed}: {string.Join(", ", deleted)}");
        Assert.Equal(s_s15.Length, before.Count);
        Assert.Equal(1, removed);
        Assert.Equal([cache.Client.GetFullKey("people", "rack:" + CacheKeyBuilder.EscapePart(value))], deleted);

        // and only that value's Core runs again
        foreach (string v in s_s15)
        {
            await service.GetAsync(v);
        }

        Assert.All(s_s15, v => Assert.Equal(v == value ? 2 : 1, service.CoreCalls(v)));
    }

    [RedisFact]
    public async Task InvalidatePattern_NaiveUnescapedPatterns_OverAndUnderDelete()
    {
        // arrange (docs/design.md, "Redis facts the tests rely on": unescaped globs over- and under-delete): why Literal exists, shown on the server's own matcher
        using var cache = await TestCache.CreateAsync(server.Configuration, o => o.OperationTimeoutMs = 5000);
        var service = new PeopleService(cache.Client);
        foreach (string v in s_s15)
        {
            await service.GetAsync(v);
        }

        string Key(string v) => cache.Client.GetFullKey("people", "rack:" + CacheKeyBuilder.EscapePart(v));
        var all = await ScanAsync(server, cache.Options.KeyPrefix + ":people:*");

        // act: the raw values as globs
        await cache.Client.InvalidatePatternAsync("people", "rack:al[i]ce");
        var afterBrackets = await ScanAsync(server, cache.Options.KeyPrefix + ":people:*");
        await cache.Client.InvalidatePatternAsync("people", "rack:al*");
        var afterStar = await ScanAsync(server, cache.Options.KeyPrefix + ":people:*");

        // assert: 'al[i]ce' took alice and left al[i]ce; 'al*' then took al[i]ce as well as al*
        Assert.Equal([Key("alice")], all.Except(afterBrackets));
        Assert.Equal([Key("al*"), Key("al[i]ce")], afterBrackets.Except(afterStar).Order(StringComparer.Ordinal));
    }

    [RedisFact]
    public async Task Clear_DeletesEntriesTombstonesAndStampsUnderThePrefix_NothingElse()
    {
        // arrange
        using var cache = await TestCache.CreateAsync(server.Configuration, o => o.OperationTimeoutMs = 5000);
        using var neighbour = await TestCache.CreateAsync(server.Configuration, o => { o.KeyPrefix = cache.Options.KeyPrefix + "x"; o.OperationTimeoutMs = 5000; });
        var method = new CachedMethod("clear", "Clear.Get", 60, "fp");
        await cache.GetAsync(method, "a", () => "1", ["t"]);
        await cache.GetAsync(method, "b", () => "2");
        await cache.Client.InvalidateKeyAsync("clear", "gone");
        await cache.Client.InvalidateNamespaceAsync("other");
        await cache.Client.InvalidateTagAsync("t");
        await neighbour.GetAsync(method, "a", () => "n");
        var before = await ScanAsync(server, cache.Options.KeyPrefix + ":*");

        // act
        long removed = await cache.Client.ClearAsync();

        // assert
        // 2 entries, 1 tombstone, 2 stamps set by invalidations, and the epoch and stamp created by the first read
        Assert.Equal(7, before.Count);
        Assert.Equal(7, removed);
        Assert.Empty(await ScanAsync(server, cache.Options.KeyPrefix + ":*"));
        Assert.True(await server.ExistsAsync(neighbour.Client.GetFullKey("clear", "a")));
        Assert.Equal("n", await neighbour.GetAsync(method, "a", () => "not called"));
    }

    [RedisFact]
    public async Task PatternDeletes_UseScanAndUnlinkInBatchesOfAtMost1000_NeverKeysOrFlush()
    {
        // arrange: a server of our own, logging every command with its arguments
        using var own = RedisServerFixture.Start("--slowlog-log-slower-than", "0", "--slowlog-max-len", "100000");
        using var cache = await TestCache.CreateAsync(own.Configuration, o => o.OperationTimeoutMs = 5000);
        string prefix = cache.Options.KeyPrefix;
        (await own.ExecuteAsync("EVAL", "for i = 1, tonumber(ARGV[2]) do redis.call('SET', ARGV[1] .. i, 'x') end return 1", "0", prefix + ":bulk:e", "2500")).EnsureSuccess();
        (await own.ExecuteAsync("SET", prefix + ":bulk-not:e1", "x")).EnsureSuccess();
        (await own.ExecuteAsync("SLOWLOG", "RESET")).EnsureSuccess();

        // act
        long removed = await cache.Client.InvalidatePatternAsync("bulk", "e*");
        long cleared = await cache.Client.ClearAsync();

        // assert
        var unlinks = (await own.ExecuteAsync("SLOWLOG", "GET", "-1")).EnsureSuccess().Items!
            .Select(entry => entry.Items![3].Items!)
            .Where(args => args[0].Text.Equals("UNLINK", StringComparison.OrdinalIgnoreCase))
            .Select(KeyCount)
            .ToList();
        var calls = await own.CommandCallsAsync();
        output.WriteLine($"removed {removed}, cleared {cleared}; UNLINK key counts: {string.Join(", ", unlinks)}; scan calls {calls.GetValueOrDefault("scan")}");
        Assert.Equal(2500, removed);
        Assert.Equal(1, cleared);
        Assert.Equal(2501, unlinks.Sum());
        Assert.All(unlinks, n => Assert.InRange(n, 1, 1000));
        Assert.Equal([1, 500, 1000, 1000], unlinks.Order());
        Assert.True(calls.GetValueOrDefault("scan") >= 2, "SCAN was not used");
        Assert.False(calls.ContainsKey("keys"), "KEYS was sent");
        Assert.False(calls.ContainsKey("flushdb"), "FLUSHDB was sent");
        Assert.False(calls.ContainsKey("flushall"), "FLUSHALL was sent");
    }

    [RedisFact]
    public async Task PatternDelete_PrimaryAndReplicaEndpoints_ScansThePrimaryOnly()
    {
        // arrange: both servers in one connection string, as with a Sentinel-less primary/replica pair
        using var primary = RedisServerFixture.Start("--repl-diskless-sync-delay", "0");
        using var replica = RedisServerFixture.Start("--replicaof", "127.0.0.1", primary.Port.ToString(CultureInfo.InvariantCulture));
        await replica.WaitForReplicationAsync(TimeSpan.FromSeconds(10));
        using var cache = await TestCache.CreateAsync(primary.Configuration + "," + replica.Configuration, o => o.OperationTimeoutMs = 5000);
        var method = new CachedMethod("pair", "Pair.Get", 60, "fp");
        for (int i = 0; i < 20; i++)
        {
            string key = i.ToString(CultureInfo.InvariantCulture);
            await cache.GetAsync(method, key, () => "v" + key);
        }

        // act
        long removed = await cache.Client.InvalidatePatternAsync("pair", "*");

        // assert: every entry deleted once, on the primary; the replica followed and was never scanned
        Assert.Equal(20, removed);
        Assert.DoesNotContain(await ScanAsync(primary, cache.Options.KeyPrefix + ":*"), k => !k.Contains(":%", StringComparison.Ordinal));
        Assert.False((await replica.CommandCallsAsync()).ContainsKey("scan"), "the replica was scanned");
        Assert.False(cache.Store.IsReadOnly);
    }

    [RedisFact]
    public async Task GlobPattern_AgreesWithScanMatch_OnS15KeysAndRandomPatterns()
    {
        // arrange: keys holding the S15 values raw (glob characters and all) and escaped, on a server of our own
        using var own = RedisServerFixture.Start();
        string[] texts = [.. s_s15, .. s_s15.Select(CacheKeyBuilder.EscapePart), "al", "alice2", "a]", "[", "]", "\\", "x", "xy", "\u20AC"];
        foreach (string text in texts.Distinct())
        {
            (await own.ExecuteAsync("SET", "k:" + text, "1")).EnsureSuccess();
        }

        var random = new Random(15);
        string[] alphabet = ["a", "l", "i", "c", "e", "*", "?", "[", "]", "^", "-", "\\", "x", "y", "%", "2", "A", "\u20AC"];
        var patterns = new List<string>(s_s15);
        patterns.AddRange(s_s15.Select(CacheKeyPattern.Literal));
        patterns.AddRange(s_s15.Select(CacheKeyPattern.EscapeGlob));
        for (int i = 0; i < 400; i++)
        {
            int length = random.Next(0, 7);
            patterns.Add(string.Concat(Enumerable.Range(0, length).Select(_ => alphabet[random.Next(alphabet.Length)])));
        }

        // act, assert
        int disagreements = 0;
        foreach (string pattern in patterns.Distinct())
        {
            var redis = (await ScanAsync(own, "k:" + pattern)).Select(k => k[2..]).ToHashSet(StringComparer.Ordinal);
            var ours = texts.Distinct().Where(t => GlobPattern.IsMatch("k:" + pattern, "k:" + t)).ToHashSet(StringComparer.Ordinal);
            if (!redis.SetEquals(ours))
            {
                disagreements++;
                output.WriteLine($"pattern '{pattern}': redis [{string.Join(" ", redis)}] ours [{string.Join(" ", ours)}]");
            }
        }

        Assert.Equal(0, disagreements);
    }

    internal static async Task<List<string>> ScanAsync(RedisServerFixture redis, string pattern)
    {
        var keys = new List<string>();
        string cursor = "0";
        do
        {
            var reply = (await redis.ExecuteAsync("SCAN", cursor, "MATCH", Encoding.UTF8.GetBytes(pattern), "COUNT", "1000")).EnsureSuccess();
            cursor = reply.Items![0].Text;
            keys.AddRange(reply.Items[1].Items!.Select(k => k.Text));
        }
        while (cursor != "0");

        return [.. keys.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The keys of one slowlog entry: Redis keeps 32 arguments and says how many more there were.</summary>
    private static int KeyCount(IReadOnlyList<RedisReply> args)
    {
        var more = MoreArguments().Match(args[^1].Text);
        return more.Success ? args.Count - 2 + int.Parse(more.Groups[1].Value, CultureInfo.InvariantCulture) : args.Count - 1;
    }

    [GeneratedRegex(@"^\.\.\. \((\d+) more arguments\)$")]
    private static partial Regex MoreArguments();
}
