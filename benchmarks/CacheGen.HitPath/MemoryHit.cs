using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using ZiggyCreatures.Caching.Fusion;

namespace CacheGen.HitPath;

/// <summary>
/// A hit served in-process: <c>IMemoryCache.GetOrCreate</c> with an int key (the reference), CacheGen with its
/// in-memory store (no Redis configured), FusionCache's memory level and HybridCache's local cache.
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

    [GlobalSetup(Target = nameof(CacheGen))]
    public void SetupCacheGen()
    {
        var services = new ServiceCollection();
        services.AddCacheGen(o => o.KeyPrefix = "bench");
        services.AddSingleton<ItemService>();
        _services = services.BuildServiceProvider();
        _cacheGen = _services.GetRequiredService<ItemService>();
        Verify(() => _cacheGen.Computations, CacheGen);
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
            Console.WriteLine($"// CacheGen statistics: {cacheGen.GetStatistics()}");
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

    [Benchmark(OperationsPerInvoke = Driver.Ops, Description = "CacheGen (in-memory store)")]
    public Task<long> CacheGen() =>
        Driver.Run(Load, _round++, (round, caller, count) => HitCalls.CacheGen(_cacheGen, Load, round, caller, count));

    [Benchmark(OperationsPerInvoke = Driver.Ops, Description = "FusionCache (memory level)")]
    public Task<long> FusionCache() =>
        Driver.Run(Load, _round++, (round, caller, count) => _calls.Fusion(_fusion, null, Load, round, caller, count));

    [Benchmark(OperationsPerInvoke = Driver.Ops, Description = "HybridCache (local cache)")]
    public Task<long> HybridCache() =>
        Driver.Run(Load, _round++, (round, caller, count) => _calls.Hybrid(_hybrid, _hybridOptions, Load, round, caller, count));

    private void Verify(Func<long> computations, Func<Task<long>> benchmark)
    {
        Driver.RequireHits(Load, computations, benchmark);
        _round = 0;
    }
}
