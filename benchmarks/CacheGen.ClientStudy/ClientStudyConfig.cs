using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace CacheGen.ClientStudy;

/// <summary>
/// One job per StackExchange.Redis version × configuration knob. The version is an MSBuild property, so each job
/// restores and builds its own copy of this project (several versions cannot load in one process); the knob is an
/// environment variable read by <see cref="Knobs.Configure"/> in the benchmark process.
/// </summary>
/// <remarks>
/// <c>CLIENTSTUDY_VERSIONS</c> and <c>CLIENTSTUDY_KNOBS</c> (comma-separated) narrow the matrix, e.g. for a rerun.
/// </remarks>
public sealed class ClientStudyConfig : ManualConfig
{
    public static readonly string[] Versions = ["1.2.6", "2.7.27", "2.8.16", "3.4.35"];

    public ClientStudyConfig()
    {
        string[] versions = Filter("CLIENTSTUDY_VERSIONS") ?? Versions;
        string[]? knobs = Filter("CLIENTSTUDY_KNOBS");
        foreach (string version in versions)
        {
            foreach (string knob in Knobs.For(version))
            {
                if (knobs is not null && !knobs.Contains(knob))
                {
                    continue;
                }

                // short: 1 warm-up and 5 measured iterations of 150 ms; the machine is shared, so medians are reported
                AddJob(Job.ShortRun
                    .WithWarmupCount(1)
                    .WithIterationCount(5)
                    .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(150))
                    .WithMsBuildArguments($"/p:SeRedisVersion={version}")
                    .WithEnvironmentVariable(Knobs.Variable, knob)
                    .WithId($"{version}_{knob}"));
            }
        }

        // every job restores this same project with another package version: builds in parallel would race on obj/
        WithOption(ConfigOptions.DisableParallelBuild, true);
        // builds share 2 cores with other work here: BenchmarkDotNet's 2-minute default is not enough
        WithBuildTimeout(TimeSpan.FromMinutes(15));
        // thread-pool work items and lock contentions per operation: the thread hops, counted rather than timed
        AddDiagnoser(MemoryDiagnoser.Default, ThreadingDiagnoser.Default);
        AddColumn(StatisticColumn.OperationsPerSecond, StatisticColumn.Median);
        WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));
    }

    private static string[]? Filter(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : null;
}
