using BenchmarkDotNet.Running;

// scripts/bench-run.sh hit starts a redis-server and runs:
//   dotnet run -c Release --project benchmarks/CacheGen.HitPath -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(CacheGen.HitPath.RedisHit).Assembly).Run(args);
