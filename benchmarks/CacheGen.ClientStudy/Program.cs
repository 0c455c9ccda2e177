using BenchmarkDotNet.Running;

// scripts/bench-client.sh starts a redis-server and runs every version × knob job:
//   dotnet run -c Release --project benchmarks/CacheGen.ClientStudy -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(CacheGen.ClientStudy.RawGet).Assembly).Run(args);
