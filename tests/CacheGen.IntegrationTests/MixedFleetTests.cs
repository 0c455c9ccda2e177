using System.Diagnostics;
using CacheGen.IntegrationTests.Infrastructure;

namespace CacheGen.IntegrationTests;

/// <summary>
/// A fleet where some processes run with L1 off (<c>L1:Enabled=false</c>, say a worker) and others with the default
/// (L1 on, the backplane): the invalidations of the processes without L1 must reach the others' L1 within the window,
/// as their own do (docs/design.md, "In-process level (L1) and the backplane").
/// </summary>
public sealed class MixedFleetTests(ITestOutputHelper output)
{
    private static readonly CachedMethod s_method = new("fleet", "Fleet.Get", 300, "fp-fleet");

    /// <summary>The documented bound of the window: the lease, 3 × the default ping interval.</summary>
    private static readonly TimeSpan s_window = TimeSpan.FromSeconds(3);

    [RedisFact]
    public async Task InvalidationsOfAProcessWithoutL1_AreHonouredByTheL1OfTheOthers()
    {
        // arrange: two clients on one server and prefix, default options except that the worker has no L1
        using var server = new RedisServerFixture();
        string prefix = TestCache.NewPrefix();
        using var worker = await TestCache.CreateAsync(server.Configuration, o => { o.KeyPrefix = prefix; o.L1.Enabled = false; });
        using var api = await TestCache.CreateAsync(server.Configuration, o => o.KeyPrefix = prefix);
        Assert.Null(worker.Client.L1);
        string source = "v1";
        string[] tags = ["rack:1"];
        await WaitForL1Async(api, "byKey", () => source, null);
        await WaitForL1Async(api, "byTag", () => source, tags);
        await WaitForL1Async(api, "byNamespace", () => source, null);

        // act: the worker changes the data and invalidates by key, by tag, by namespace, one after another
        source = "v2";
        await worker.Client.InvalidateKeyAsync("fleet", "byKey");
        var byKey = await ReadUntilAsync(api, "byKey", () => source, null);
        await worker.Client.InvalidateTagAsync("rack:1");
        var byTag = await ReadUntilAsync(api, "byTag", () => source, tags);
        source = "v3";
        await worker.Client.InvalidateNamespaceAsync("fleet");
        var byNamespace = await ReadUntilAsync(api, "byNamespace", () => source, null);

        // assert: the API's L1 dropped each copy within the window, as it does for its own invalidations
        output.WriteLine($"key {byKey.Elapsed.TotalMilliseconds:F0} ms, tag {byTag.Elapsed.TotalMilliseconds:F0} ms, namespace {byNamespace.Elapsed.TotalMilliseconds:F0} ms; api {api.Client.GetStatistics()}");
        Assert.Equal("v2", byKey.Value);
        Assert.Equal("v2", byTag.Value);
        Assert.Equal("v3", byNamespace.Value);
    }

    [RedisFact]
    public async Task PatternDeleteOfAProcessWithoutL1_IsHonouredByTheL1OfTheOthers()
    {
        // arrange: as above; the API holds a value in L1
        using var server = new RedisServerFixture();
        string prefix = TestCache.NewPrefix();
        using var operatorClient = await TestCache.CreateAsync(server.Configuration, o => { o.KeyPrefix = prefix; o.L1.Enabled = false; });
        using var api = await TestCache.CreateAsync(server.Configuration, o => o.KeyPrefix = prefix);
        string source = "v1";
        await WaitForL1Async(api, "byPattern", () => source, null);

        // act: the operator deletes the namespace's keys by pattern from a process without L1
        source = "v2";
        long removed = await operatorClient.Client.InvalidatePatternAsync("fleet", "*");
        var byPattern = await ReadUntilAsync(api, "byPattern", () => source, null);

        // assert
        output.WriteLine($"removed {removed}; pattern {byPattern.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal(1, removed);
        Assert.Equal("v2", byPattern.Value);
    }

    /// <summary>Reads until L1 holds the key: the backplane is in sync and the value was written back.</summary>
    private static async Task WaitForL1Async(TestCache cache, string key, Func<string> source, string[]? tags)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"{key} never reached L1: {cache.Client.GetStatistics()}");
            Assert.Equal("v1", await cache.GetAsync(s_method, key, source, tags));
            if (cache.Client.Backplane is { IsSynced: true } && cache.Client.L1!.Get(cache.Client.GetFullKey("fleet", key), s_method) is not null)
            {
                return;
            }

            await Task.Delay(10);
        }
    }

    /// <summary>Reads until the value changes or the window ends; the read that starts after the window is the answer.</summary>
    private static async Task<(string Value, TimeSpan Elapsed)> ReadUntilAsync(TestCache cache, string key, Func<string> source, string[]? tags)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            bool last = clock.Elapsed > s_window;
            string value = await cache.GetAsync(s_method, key, source, tags);
            if (value != "v1" || last)
            {
                return (value, clock.Elapsed);
            }

            await Task.Delay(10);
        }
    }
}
