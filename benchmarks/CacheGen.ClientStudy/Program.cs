using BenchmarkDotNet.Running;

// scripts/bench-client.sh starts a redis-server and runs every version × knob job:
//   dotnet run -c Release --project benchmarks/CacheGen.ClientStudy -- --filter '*'
// scripts/bench-run.sh client-hops: counts context switches and work items per GET instead (see Hops.cs)
if (args is ["--knobs"])
{
    // the knobs of the version this build references (the script asks each build)
    string version = typeof(StackExchange.Redis.ConnectionMultiplexer).Assembly.GetName().Version!.ToString();
    Console.WriteLine(string.Join(' ', CacheGen.ClientStudy.Knobs.For(version)));
    return;
}

if (args is ["--hops", ..])
{
    await CacheGen.ClientStudy.Hops.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(CacheGen.ClientStudy.RawGet).Assembly).Run(args);
