using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/CacheGen.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
