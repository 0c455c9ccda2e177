using BenchmarkDotNet.Running;

// scripts/bench-run.sh hit starts a redis-server and runs:
//   dotnet run -c Release --project benchmarks/CacheGen.HitPath -- --filter '*RedisHit*' '*MemoryHit*'
// scripts/bench-run.sh hit-counts [filter] runs the exact per-hit counts instead (Counts.cs).
if (args is ["--counts", ..])
{
    CacheGen.HitPath.Counts.Run(args.Length > 1 ? args[1] : null);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(CacheGen.HitPath.RedisHit).Assembly).Run(args);
