using System.Diagnostics;

namespace CacheGen.HitPath;

/// <summary>
/// <c>--counts [filter]</c>: the exact costs of a hit, without BenchmarkDotNet's statistics. For each library and load of
/// <see cref="RedisHit"/> and <see cref="MemoryHit"/>, the same setup (hits verified) then 8 batches of
/// <see cref="Driver.Ops"/> calls in this process: bytes allocated and thread-pool work items completed per call (both
/// independent of the machine's load), and ops/s (not). A quick way to see what a change to the hit path costs.
/// </summary>
internal static class Counts
{
    private const int Batches = 8;

    public static void Run(string? filter)
    {
        Console.WriteLine($"// counts per hit, {Batches} x {Driver.Ops} calls after setup; load {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine("| benchmark | load | bytes / hit | work items / hit | ops/s |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");
        foreach (Load load in new[] { Load.OneCaller, Load.Callers64Distinct, Load.Callers64Hot })
        {
            Measure(filter, "RedisHit.RawGet", load, () => { var b = new RedisHit { Load = load }; b.SetupRaw(); return (b.RawGet, b.Cleanup); });
            Measure(filter, "RedisHit.HandWritten", load, () => { var b = new RedisHit { Load = load }; b.SetupRaw(); return (b.HandWritten, b.Cleanup); });
            Measure(filter, "RedisHit.CacheGen", load, () => { var b = new RedisHit { Load = load }; b.SetupCacheGen(); return (b.CacheGen, b.Cleanup); });
            Measure(filter, "RedisHit.CacheGenStrict", load, () => { var b = new RedisHit { Load = load }; b.SetupCacheGenStrict(); return (b.CacheGenStrict, b.Cleanup); });
            Measure(filter, "RedisHit.FusionCache", load, () => { var b = new RedisHit { Load = load }; b.SetupFusion(); return (b.FusionCache, b.Cleanup); });
            Measure(filter, "RedisHit.HybridCache", load, () => { var b = new RedisHit { Load = load }; b.SetupHybrid(); return (b.HybridCache, b.Cleanup); });
            if (load == Load.Callers64Hot)
            {
                continue;
            }

            Measure(filter, "MemoryHit.MemoryCache", load, () => { var b = new MemoryHit { Load = load }; b.SetupMemory(); return (b.MemoryCache, b.Cleanup); });
            Measure(filter, "MemoryHit.CacheGen", load, () => { var b = new MemoryHit { Load = load }; b.SetupCacheGen(); return (b.CacheGen, b.Cleanup); });
            Measure(filter, "MemoryHit.CacheGenNoRedis", load, () => { var b = new MemoryHit { Load = load }; b.SetupCacheGenNoRedis(); return (b.CacheGenNoRedis, b.Cleanup); });
            Measure(filter, "MemoryHit.FusionCache", load, () => { var b = new MemoryHit { Load = load }; b.SetupFusion(); return (b.FusionCache, b.Cleanup); });
            Measure(filter, "MemoryHit.HybridCache", load, () => { var b = new MemoryHit { Load = load }; b.SetupHybrid(); return (b.HybridCache, b.Cleanup); });
        }
    }

    private static void Measure(string? filter, string name, Load load, Func<(Func<Task<long>> Run, Action Cleanup)> setup)
    {
        if (filter is not null && !name.Contains(filter, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var (run, cleanup) = setup();
        try
        {
            run().GetAwaiter().GetResult();
            long bytes = GC.GetTotalAllocatedBytes(precise: true);
            long items = ThreadPool.CompletedWorkItemCount;
            long started = Stopwatch.GetTimestamp();
            for (int i = 0; i < Batches; i++)
            {
                run().GetAwaiter().GetResult();
            }

            double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            double calls = (double)Batches * Driver.Ops;
            double bytesPerHit = (GC.GetTotalAllocatedBytes(precise: true) - bytes) / calls;
            double itemsPerHit = (ThreadPool.CompletedWorkItemCount - items) / calls;
            Console.WriteLine($"| {name} | {load} | {bytesPerHit:F0} | {itemsPerHit:F2} | {calls / seconds / 1000:F1}k |");
            if (Environment.GetEnvironmentVariable("HITPATH_ALLOC_TYPES") == "1")
            {
                // where the bytes go: sampled by type over more batches
                using var sampler = new AllocationSampler();
                sampler.Start();
                for (int i = 0; i < Batches * 4; i++)
                {
                    run().GetAwaiter().GetResult();
                }

                foreach (var (type, share) in sampler.Stop(25))
                {
                    Console.WriteLine($"//   {share * bytesPerHit,6:F0} B/hit  {share,6:P1}  {type}");
                }
            }
        }
        finally
        {
            cleanup();
        }
    }
}
