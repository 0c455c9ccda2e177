using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace CacheGen.HitPath;

/// <summary>
/// Short jobs (the machine is shared): 1 warm-up and 5 measured iterations of 150 ms, medians and ratios reported. One
/// job per StackExchange.Redis version in <c>HITPATH_VERSIONS</c> (comma-separated; default 3.4.35, the newest served,
/// which the test suite runs on; 2.7.27 is the lowest CacheGen declares): every library in a job runs on that client.
/// </summary>
public sealed class HitPathConfig : ManualConfig
{
    public HitPathConfig()
    {
        string versions = Environment.GetEnvironmentVariable("HITPATH_VERSIONS") is { Length: > 0 } v ? v : "3.4.35";
        foreach (string version in versions.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            AddJob(Job.ShortRun
                .WithWarmupCount(1)
                .WithIterationCount(5)
                .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(150))
                .WithMsBuildArguments($"/p:SeRedisVersion={version}")
                .WithId("seredis-" + version));
        }

        // jobs restore this same project with other package versions: builds in parallel would race on obj/
        WithOption(ConfigOptions.DisableParallelBuild, true);
        // builds share 2 cores with other work here: BenchmarkDotNet's 2-minute default is not enough
        WithBuildTimeout(TimeSpan.FromMinutes(15));
        // ratios against the baseline of the same client version and load
        AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByJob, BenchmarkLogicalGroupRule.ByParams);
        // thread-pool work items and lock contentions per operation: the thread hops, counted rather than timed
        AddDiagnoser(MemoryDiagnoser.Default, ThreadingDiagnoser.Default);
        AddColumn(StatisticColumn.OperationsPerSecond, StatisticColumn.Median);
        WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));
    }
}
