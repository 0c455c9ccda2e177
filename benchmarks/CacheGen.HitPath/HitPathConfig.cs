using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace CacheGen.HitPath;

/// <summary>Short jobs (the machine is shared): 1 warm-up and 5 measured iterations of 150 ms, medians and ratios reported.</summary>
public sealed class HitPathConfig : ManualConfig
{
    public HitPathConfig()
    {
        AddJob(Job.ShortRun
            .WithWarmupCount(1)
            .WithIterationCount(5)
            .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(150))
            .WithId("short"));
        // thread-pool work items and lock contentions per operation: the thread hops, counted rather than timed
        AddDiagnoser(MemoryDiagnoser.Default, ThreadingDiagnoser.Default);
        AddColumn(StatisticColumn.OperationsPerSecond, StatisticColumn.Median);
        WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));
    }
}
