using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using ZiggyCreatures.Caching.Fusion;

namespace CacheGen.HitPath;

/// <summary>
/// A hit served in-process: <c>IMemoryCache.GetOrCreate</c> with an int key (the reference); CacheGen's in-process
/// level (L1, on by default) in front of Redis, as an application with Redis runs it, and with no Redis configured;
/// FusionCache's memory level and HybridCache's local cache.
/// </summary>
[Config(typeof(HitPathConfig))]
public class MemoryHit
{
    private ServiceProvider? _services;
    private IMemoryCache _memory = null!;
    private ItemService _cacheGen = null!;
    private IFusionCache _fusion = null!;
    private HybridCache _hybrid = null!;
    private HybridCacheEntryOptions _hybridOptions = null!;
    private readonly HitCalls _calls = new();
    private int _round;

    [Params(Load.OneCaller, Load.Callers64Distinct)]
    public Load Load { get; set; }

    [GlobalSetup(Target = nameof(MemoryCache))]
    public void SetupMemory()
    {
        _memory = new MemoryCache(new MemoryCacheOptions());
        Verify(() => _calls.FactoryRuns, MemoryCache);
    }

    private static string Endpoint => "127.0.0.1:" + (Environment.GetEnvironmentVariable("BENCH_REDIS_PORT")
        ?? throw new InvalidOperationException("BENCH_REDIS_PORT is not set: run scripts/bench-run.sh hit"));

    /// <summary>CacheGen with Redis and product defaults (L1 on, the backplane): the hits measured must be L1's.</summary>
    [GlobalSetup(Target = nameof(CacheGen))]
    public void SetupCacheGen()
    {
        var services = new ServiceCollection();
        services.AddCacheGen(o =>
        {
            o.Redis = Endpoint;
            o.KeyPrefix = "bench-l1";
        });
        services.AddSingleton<ItemService>();
        _services = services.BuildServiceProvider();
        _cacheGen = _services.GetRequiredService<ItemService>();
        Driver.WaitForStore(_services.GetRequiredService<ICacheClient>(), () => _cacheGen.GetAsync(Item.FirstId));
        Verify(() => _cacheGen.Computations, CacheGen, settle: false);
        RequireL1(_services.GetRequiredService<ICacheClient>());
    }

    /// <summary>CacheGen with no Redis configured: L1 in front of the in-memory store.</summary>
    [GlobalSetup(Target = nameof(CacheGenNoRedis))]
    public void SetupCacheGenNoRedis()
    {
        var services = new ServiceCollection();
        services.AddCacheGen(o => o.KeyPrefix = "bench");
        services.AddSingleton<ItemService>();
        _services = services.BuildServiceProvider();
        _cacheGen = _services.GetRequiredService<ItemService>();
        Driver.WaitForStore(_services.GetRequiredService<ICacheClient>(), () => _cacheGen.GetAsync(Item.FirstId));
        Verify(() => _cacheGen.Computations, CacheGenNoRedis);
    }

    [GlobalSetup(Target = nameof(FusionCache))]
    public void SetupFusion()
    {
        var services = new ServiceCollection();
        services.AddFusionCache().WithDefaultEntryOptions(o => o.Duration = TimeSpan.FromHours(1));
        _services = services.BuildServiceProvider();
        _fusion = _services.GetRequiredService<IFusionCache>();
        Verify(() => _calls.FactoryRuns, FusionCache);
    }

    [GlobalSetup(Target = nameof(HybridCache))]
    public void SetupHybrid()
    {
        var services = new ServiceCollection();
        services.AddHybridCache();
        _services = services.BuildServiceProvider();
        _hybrid = _services.GetRequiredService<HybridCache>();
        _hybridOptions = new HybridCacheEntryOptions { Expiration = TimeSpan.FromHours(1), LocalCacheExpiration = TimeSpan.FromHours(1) };
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
        (_memory as IDisposable)?.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Driver.Ops, Description = "IMemoryCache.GetOrCreate (int key)")]
    public Task<long> MemoryCache() => Driver.Run(Load, _round++, (round, caller, count) =>
    {
        long sum = 0;
        for (int i = 0; i < count; i++)
        {
            int id = Driver.Id(Load, round, caller, i);
            sum += _memory.GetOrCreate(id, entry =>
            {
                _calls.Computed();
                entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1);
                return Item.Create((int)entry.Key);
            })!.Id;
        }

        return Task.FromResult(sum);
    });

    [Benchmark(OperationsPerInvoke = Driver.Ops, Description = "CacheGen L1 (Redis behind)")]
    public Task<long> CacheGen() =>
        Driver.Run(Load, _round++, (round, caller, count) => HitCalls.CacheGen(_cacheGen, Load, round, caller, count));

    [Benchmark(OperationsPerInvoke = Driver.Ops, Description = "CacheGen L1 (no Redis)")]
    public Task<long> CacheGenNoRedis() =>
        Driver.Run(Load, _round++, (round, caller, count) => HitCalls.CacheGen(_cacheGen, Load, round, caller, count));

    [Benchmark(OperationsPerInvoke = Driver.Ops, Description = "FusionCache (memory level)")]
    public Task<long> FusionCache() =>
        Driver.Run(Load, _round++, (round, caller, count) => _calls.Fusion(_fusion, null, Load, round, caller, count));

    [Benchmark(OperationsPerInvoke = Driver.Ops, Description = "HybridCache (local cache)")]
    public Task<long> HybridCache() =>
        Driver.Run(Load, _round++, (round, caller, count) => _calls.Hybrid(_hybrid, _hybridOptions, Load, round, caller, count));

    /// <summary>
    /// Requires that a whole batch is served by L1, checked on the server: its <c>keyspace_hits</c> may move by at most
    /// 0.1% of the calls (a Redis hit reads the entry and its stamps). The backplane syncs in the background after the
    /// first connect, so this retries for up to 10 s.
    /// </summary>
    private void RequireL1(ICacheClient client)
    {
        using var mux = StackExchange.Redis.ConnectionMultiplexer.Connect(Endpoint + ",allowAdmin=true");
        var server = mux.GetServer(mux.GetEndPoints()[0]);
        long last = -1;
        for (int attempt = 0; attempt < 50; attempt++)
        {
            long before = KeyspaceHits(server);
            CacheGen().GetAwaiter().GetResult();
            last = KeyspaceHits(server) - before;
            if (last <= Driver.Ops / 1000)
            {
                Console.WriteLine($"// L1 verified: {last} Redis reads for {Driver.Ops} calls");
                Settle(CacheGen);
                return;
            }

            Thread.Sleep(200);
        }

        throw new InvalidOperationException($"the measured calls are not L1 hits: {last} Redis reads for {Driver.Ops} calls; {client.GetStatistics()}");
    }

    private static long KeyspaceHits(StackExchange.Redis.IServer server) =>
        long.Parse(server.Info("stats").SelectMany(g => g).First(p => p.Key == "keyspace_hits").Value, System.Globalization.CultureInfo.InvariantCulture);

    /// <param name="settle">False when the setup settles later (CacheGen with Redis, after <see cref="RequireL1"/>).</param>
    private void Verify(Func<long> computations, Func<Task<long>> benchmark, bool settle = true)
    {
        Driver.RequireHits(Load, computations, benchmark);
        _round = 0;
        if (settle)
        {
            Settle(benchmark);
        }
    }

    /// <summary>
    /// Runs the hits for a second, twice, with a pause after each: the short job's one 150 ms warm-up would otherwise
    /// measure code the JIT has not finished optimising. A hit takes ~0.1 µs, so a process measures for about a second
    /// in all, and methods run as tier-0 or instrumented code for the first 0.5–2 s of a process (longer while other
    /// work, such as a backplane's pings, has methods JIT'd meanwhile: each one delays promotion); loops measured that
    /// early read 1.5–5x slower than the same process later (p11, /work/wt/notes/p11.md). Every setup here settles the
    /// same way, the reference's too.
    /// </summary>
    private void Settle(Func<Task<long>> benchmark)
    {
        for (int pass = 0; pass < 2; pass++)
        {
            var running = System.Diagnostics.Stopwatch.StartNew();
            while (running.ElapsedMilliseconds < 1000)
            {
                benchmark().GetAwaiter().GetResult();
            }

            Thread.Sleep(200);
        }

        _round = 0;
    }
}
