using System.Diagnostics;

namespace CacheGen.ClientStudy;

/// <summary>
/// <c>--hops</c>: counts what a GET costs in thread wake-ups, which timings on a loaded machine cannot show: voluntary
/// context switches of the whole process (every thread that blocked and was woken, the client's own reader threads
/// included) and thread-pool work items, per GET, for the same three loads as <see cref="RawGet"/>. One knob per
/// process (<see cref="Knobs.Variable"/>), as in the benchmark jobs.
/// </summary>
public static class Hops
{
    public static async Task RunAsync(int rounds)
    {
        var bench = new RawGet();
        bench.Setup();
        try
        {
            (string Name, int Ops, Func<Task<long>> Run)[] loads =
            [
                ("GET async, 1 caller", RawGet.Batch, bench.OneCaller),
                ("GET async, 64 callers", RawGet.Callers * RawGet.PerCaller, bench.SixtyFourCallers),
                ("GET sync, 1 caller", RawGet.Batch, () => Task.FromResult(bench.OneCallerSync())),
            ];
            foreach (var load in loads)
            {
                await load.Run().ConfigureAwait(false);
            }

            foreach (var load in loads)
            {
                var switches = new List<double>();
                var items = new List<double>();
                var cpu = new List<double>();
                for (int r = 0; r < rounds; r++)
                {
                    using var process = Process.GetCurrentProcess();
                    long s0 = VoluntarySwitches();
                    long w0 = ThreadPool.CompletedWorkItemCount;
                    TimeSpan c0 = process.TotalProcessorTime;
                    await load.Run().ConfigureAwait(false);
                    process.Refresh();
                    switches.Add((VoluntarySwitches() - s0) / (double)load.Ops);
                    items.Add((ThreadPool.CompletedWorkItemCount - w0) / (double)load.Ops);
                    cpu.Add((process.TotalProcessorTime - c0).TotalMicroseconds / load.Ops);
                }

                Console.WriteLine(
                    $"HOPS {Environment.GetEnvironmentVariable(Knobs.Variable) ?? "default"} | {load.Name} | " +
                    $"voluntary switches/GET {Median(switches):F2} | work items/GET {Median(items):F2} | CPU µs/GET {Median(cpu):F1}");
            }
        }
        finally
        {
            bench.Cleanup();
        }
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    /// <summary>The sum of <c>voluntary_ctxt_switches</c> over the process's threads (Linux /proc).</summary>
    private static long VoluntarySwitches()
    {
        long sum = 0;
        foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                foreach (string line in File.ReadLines(Path.Combine(task, "status")))
                {
                    if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal))
                    {
                        sum += long.Parse(line.AsSpan("voluntary_ctxt_switches:".Length).Trim(), System.Globalization.CultureInfo.InvariantCulture);
                    }
                }
            }
            catch (IOException)
            {
                // the thread ended while we read
            }
        }

        return sum;
    }
}
