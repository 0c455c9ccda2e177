using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;

namespace CacheGen.HitPath;

/// <summary>
/// A hit served by Redis, 330-byte record: the raw <c>GET</c> (the reference), a hand-written cache-aside
/// (<c>GET</c> + System.Text.Json), CacheGen (a generated service on the Redis store: as shipped with L1 off for its
/// namespace, so the backplane's local stamps apply; and with L1 off everywhere, strict),
/// FusionCache and HybridCache with their memory level skipped. Every setup checks that the measured calls are hits (no factory runs).
/// </summary>
[Config(typeof(HitPathConfig))]
public class RedisHit
{
    private ServiceProvider? _services;
    private ConnectionMultiplexer? _mux;
    private IDatabase _db = null!;
    private ItemService _cacheGen = null!;
    private IFusionCache _fusion = null!;
    private FusionCacheEntryOptions _fusionOptions = null!;
    private HybridCache _hybrid = null!;
    private HybridCacheEntryOptions _hybridOptions = null!;
    private readonly HitCalls _calls = new();
    private int _round;

    [Params(Load.OneCaller, Load.Callers64Distinct, Load.Callers64Hot)]
    public Load Load { get; set; }

    private static string Endpoint => "127.0.0.1:" + (Environment.GetEnvironmentVariable("BENCH_REDIS_PORT")
        ?? throw new InvalidOperationException("BENCH_REDIS_PORT is not set: run scripts/bench-run.sh hit"));

    [GlobalSetup(Targets = [nameof(RawGet), nameof(HandWritten)])]
    public void SetupRaw()
    {
        _mux = ConnectionMultiplexer.Connect(Endpoint + ",abortConnect=false");
        _db = _mux.GetDatabase();
        foreach (int id in Driver.Ids(Load))
        {
            _db.StringSet(RawKey(id), Item.Json(id), flags: CommandFlags.FireAndForget);
        }

        if (((byte[]?)_db.StringGet(RawKey(Item.FirstId)))?.Length != Item.SerializedLength)
        {
            throw new InvalidOperationException("the raw value is not the 330-byte record");
        }

        Verify(() => _calls.FactoryRuns, HandWritten);
    }

    /// <summary>
    /// CacheGen as shipped (L1 and its backplane on), with L1 switched off for the benchmark's namespace only, so every
    /// hit is served by Redis: the Redis level with the default backplane, whose local stamps make a hit one <c>GET</c>.
    /// </summary>
    [GlobalSetup(Target = nameof(CacheGen))]
    public void SetupCacheGen() => SetupCacheGen(strict: false);

    /// <summary>CacheGen with L1 off everywhere (no backplane): every hit is one <c>MGET</c> of the entry and its stamps.</summary>
    [GlobalSetup(Target = nameof(CacheGenStrict))]
    public void SetupCacheGenStrict() => SetupCacheGen(strict: true);

    private void SetupCacheGen(bool strict)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(new WarningLog()));
        services.AddCacheGen(o =>
        {
            o.Redis = Endpoint;
            o.KeyPrefix = "bench";
            // the Redis level only, as for FusionCache and HybridCache below: L1 would serve these hits. The default
            // row keeps L1 (and so the backplane) on and switches it off for this namespace; the strict row turns it off
            if (strict)
            {
                o.L1.Enabled = false;
            }
            else
            {
                o.Namespaces["items"] = new CacheNamespaceOptions { L1 = false };
            }

            // product defaults, except that HITPATH_CACHEGEN_TIMEOUT_MS may raise the 250 ms operation timeout: on an
            // overloaded machine 64 callers' reads pass it and turn into misses, and this benchmark measures hits
            if (int.TryParse(Environment.GetEnvironmentVariable("HITPATH_CACHEGEN_TIMEOUT_MS"), out int timeoutMs))
            {
                o.OperationTimeoutMs = timeoutMs;
            }
        });
        services.AddSingleton<ItemService>();
        _services = services.BuildServiceProvider();
        _cacheGen = _services.GetRequiredService<ItemService>();
        Driver.WaitForStore(_services.GetRequiredService<ICacheClient>(), () => _cacheGen.GetAsync(Item.FirstId));
        Verify(() => _cacheGen.Computations, strict ? CacheGenStrict : CacheGen);
        RequireCommand(strict ? "mget" : "get", strict ? CacheGenStrict : CacheGen);
    }

    /// <summary>
    /// Requires a pass of the benchmark in which the hits read with <paramref name="command"/> and sent the other read
    /// command for at most 0.1% of them (the default row: one <c>GET</c> per hit once the backplane is in sync and the
    /// stamps are held; on hot keys, one per coalesced read).
    /// </summary>
    private void RequireCommand(string command, Func<Task<long>> benchmark)
    {
        using var admin = ConnectionMultiplexer.Connect(Endpoint + ",allowAdmin=true");
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        long Calls(string name)
        {
            string info = server.InfoRaw("commandstats") ?? string.Empty;
            string prefix = "cmdstat_" + name + ":calls=";
            int at = info.IndexOf(prefix, StringComparison.Ordinal);
            return at < 0 ? 0 : long.Parse(info.AsSpan(at + prefix.Length, info.IndexOfAny([',', '\r', '\n'], at + prefix.Length) - at - prefix.Length), System.Globalization.CultureInfo.InvariantCulture);
        }

        string other = command == "get" ? "mget" : "get";
        var started = DateTime.UtcNow;
        while (true)
        {
            long before = Calls(command), otherBefore = Calls(other);
            benchmark().GetAwaiter().GetResult();
            long sent = Calls(command) - before, otherSent = Calls(other) - otherBefore;
            // on hot keys concurrent callers share one read (coalescing): fewer commands than hits
            if (sent > 0 && otherSent <= Driver.Ops / 1000)
            {
                Console.WriteLine($"// CacheGen read commands in a pass of {Driver.Ops} hits: {command} {sent}, {other} {otherSent}");
                _round = 0;
                return;
            }

            if (DateTime.UtcNow - started > TimeSpan.FromSeconds(30))
            {
                throw new InvalidOperationException($"the hits did not read with {command}: {command} {sent}, {other} {otherSent} in the last pass");
            }

            Thread.Sleep(100);
        }
    }

    [GlobalSetup(Target = nameof(FusionCache))]
    public void SetupFusion()
    {
        var services = new ServiceCollection();
        services.AddStackExchangeRedisCache(o => o.Configuration = Endpoint);
        services.AddFusionCache()
            .WithSerializer(new FusionCacheSystemTextJsonSerializer())
            .WithRegisteredDistributedCache();
        _services = services.BuildServiceProvider();
        _fusion = _services.GetRequiredService<IFusionCache>();
        // the Redis level only: the memory level is neither read nor written
        _fusionOptions = new FusionCacheEntryOptions(TimeSpan.FromHours(1)) { SkipMemoryCacheRead = true, SkipMemoryCacheWrite = true };
        Verify(() => _calls.FactoryRuns, FusionCache);
    }

    [GlobalSetup(Target = nameof(HybridCache))]
    public void SetupHybrid()
    {
        var services = new ServiceCollection();
        services.AddStackExchangeRedisCache(o => o.Configuration = Endpoint);
        services.AddHybridCache();
        _services = services.BuildServiceProvider();
        _hybrid = _services.GetRequiredService<HybridCache>();
        // the Redis level only
        _hybridOptions = new HybridCacheEntryOptions { Expiration = TimeSpan.FromHours(1), Flags = HybridCacheEntryFlags.DisableLocalCache };
        Verify(() => _calls.FactoryRuns, HybridCache);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_services?.GetService<ICacheClient>() is { } cacheGen)
        {
            Console.WriteLine($"// CacheGen statistics at the cleanup: {cacheGen.GetStatistics()}");
        }

        _services?.Dispose();
        _mux?.Dispose();
    }

    /// <summary>The reference: <c>GET</c> of the 330-byte value.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Driver.Ops, Description = "raw GET")]
    public Task<long> RawGet() => Driver.Run(Load, _round++, async (round, caller, count) =>
    {
        long sum = 0;
        for (int i = 0; i < count; i++)
        {
            sum += ((byte[]?)await _db.StringGetAsync(RawKey(Driver.Id(Load, round, caller, i))).ConfigureAwait(false))!.Length;
        }

        return sum;
    });

    /// <summary>What a user writes by hand: <c>GET</c>, deserialize, else compute and <c>SET</c>.</summary>
    [Benchmark(OperationsPerInvoke = Driver.Ops, Description = "hand-written cache-aside")]
    public Task<long> HandWritten() => Driver.Run(Load, _round++, async (round, caller, count) =>
    {
        long sum = 0;
        for (int i = 0; i < count; i++)
        {
            int id = Driver.Id(Load, round, caller, i);
            byte[]? bytes = await _db.StringGetAsync(RawKey(id)).ConfigureAwait(false);
            Item item;
            if (bytes is null)
            {
                _calls.Computed();
                item = Item.Create(id);
                await _db.StringSetAsync(RawKey(id), JsonSerializer.SerializeToUtf8Bytes(item), TimeSpan.FromHours(1)).ConfigureAwait(false);
            }
            else
            {
                item = JsonSerializer.Deserialize<Item>(bytes)!;
            }

            sum += item.Id;
        }

        return sum;
    });

    [Benchmark(OperationsPerInvoke = Driver.Ops, Description = "CacheGen (Redis level, default backplane)")]
    public Task<long> CacheGen() =>
        Driver.Run(Load, _round++, (round, caller, count) => HitCalls.CacheGen(_cacheGen, Load, round, caller, count));

    [Benchmark(OperationsPerInvoke = Driver.Ops, Description = "CacheGen (L1 off everywhere: strict)")]
    public Task<long> CacheGenStrict() =>
        Driver.Run(Load, _round++, (round, caller, count) => HitCalls.CacheGen(_cacheGen, Load, round, caller, count));

    [Benchmark(OperationsPerInvoke = Driver.Ops, Description = "FusionCache (Redis level)")]
    public Task<long> FusionCache() =>
        Driver.Run(Load, _round++, (round, caller, count) => _calls.Fusion(_fusion, _fusionOptions, Load, round, caller, count));

    [Benchmark(OperationsPerInvoke = Driver.Ops, Description = "HybridCache (Redis level)")]
    public Task<long> HybridCache() =>
        Driver.Run(Load, _round++, (round, caller, count) => _calls.Hybrid(_hybrid, _hybridOptions, Load, round, caller, count));

    private static string RawKey(int id) => "bench:raw:" + id;

    private void Verify(Func<long> computations, Func<Task<long>> benchmark)
    {
        Driver.RequireHits(Load, computations, benchmark);
        _round = 0;
    }
}
