using Microsoft.Extensions.Caching.Hybrid;
using ZiggyCreatures.Caching.Fusion;

namespace CacheGen.HitPath;

/// <summary>
/// One caller's loop for each library, shared by <see cref="RedisHit"/> and <see cref="MemoryHit"/>; the factories
/// count their runs in <see cref="FactoryRuns"/>, so a setup can require that only hits are measured.
/// </summary>
internal sealed class HitCalls
{
    private long _factoryRuns;

    /// <summary>Gets how often a factory ran.</summary>
    public long FactoryRuns => Interlocked.Read(ref _factoryRuns);

    /// <summary>Counts one factory run.</summary>
    public void Computed() => Interlocked.Increment(ref _factoryRuns);

    public static async Task<long> CacheGen(ItemService service, Load load, int round, int caller, int count)
    {
        long sum = 0;
        for (int i = 0; i < count; i++)
        {
            sum += (await service.GetAsync(Driver.Id(load, round, caller, i)).ConfigureAwait(false)).Id;
        }

        return sum;
    }

    public async Task<long> Fusion(IFusionCache cache, FusionCacheEntryOptions? options, Load load, int round, int caller, int count)
    {
        long sum = 0;
        for (int i = 0; i < count; i++)
        {
            int id = Driver.Id(load, round, caller, i);
            var item = await cache.GetOrSetAsync<Item>(
                "item:" + id,
                (_, _) =>
                {
                    Computed();
                    return Task.FromResult(Item.Create(id));
                },
                options: options).ConfigureAwait(false);
            sum += item.Id;
        }

        return sum;
    }

    public async Task<long> Hybrid(HybridCache cache, HybridCacheEntryOptions options, Load load, int round, int caller, int count)
    {
        long sum = 0;
        for (int i = 0; i < count; i++)
        {
            int id = Driver.Id(load, round, caller, i);
            var item = await cache.GetOrCreateAsync(
                "item:" + id,
                id,
                (state, _) =>
                {
                    Computed();
                    return ValueTask.FromResult(Item.Create(state));
                },
                options).ConfigureAwait(false);
            sum += item.Id;
        }

        return sum;
    }
}
