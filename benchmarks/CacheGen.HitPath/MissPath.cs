using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;

namespace CacheGen.HitPath;

/// <summary>
/// Issue 9: what the reservation costs a miss. A miss of an absent key reads, writes its reservation (one more round
/// trip, before <c>Core</c>) and writes back; a miss of a key that holds a tombstone (an invalidated key) reads and writes
/// back, as every miss did before. Same client (product defaults), same server, a <c>Core</c> that returns at once, one
/// caller; each iteration uses keys no earlier iteration touched, and every call must run <c>Core</c>.
/// </summary>
[Config(typeof(HitPathConfig))]
[InvocationCount(1)]
public class MissPath
{
    private const int Ops = 200;
    private static readonly CachedMethod s_method = new("miss", "Miss.Get", 3600, "fp-miss");
    private ServiceProvider? _services;
    private ICacheClient _client = null!;
    private int _batch;
    private int _runs;

    private static string Endpoint => "127.0.0.1:" + (Environment.GetEnvironmentVariable("BENCH_REDIS_PORT")
        ?? throw new InvalidOperationException("BENCH_REDIS_PORT is not set: run scripts/bench-run.sh hit"));

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddCacheGen(o =>
        {
            o.Redis = Endpoint;
            o.KeyPrefix = "missbench-" + Guid.NewGuid().ToString("N");
        });
        _services = services.BuildServiceProvider();
        _client = _services.GetRequiredService<ICacheClient>();

        // connected, the stamps exist, and a second call hits
        var started = DateTime.UtcNow;
        while (_client.GetStatistics().Hits == 0)
        {
            _ = _client.GetOrSetAsync(s_method, "warm", null, 0, static (_, _) => new ValueTask<string>("v")).AsTask().GetAwaiter().GetResult();
            Thread.Sleep(20);
            if (DateTime.UtcNow - started > TimeSpan.FromSeconds(30))
            {
                throw new InvalidOperationException("no hit within 30 s: " + _client.GetStatistics());
            }
        }
    }

    [IterationSetup(Target = nameof(MissOfInvalidatedKey))]
    public void Invalidated()
    {
        _batch++;
        for (int i = 0; i < Ops; i++)
        {
            _client.InvalidateKeyAsync(s_method.Namespace, Key(i)).AsTask().GetAwaiter().GetResult();
        }
    }

    [IterationSetup(Target = nameof(MissOfAbsentKey))]
    public void Fresh() => _batch++;

    [GlobalCleanup]
    public void Cleanup()
    {
        Console.WriteLine($"// CacheGen statistics: {_client.GetStatistics()}");
        _services?.Dispose();
    }

    /// <summary>The reference: read, <c>Core</c>, write-back.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Ops, Description = "miss of an invalidated key")]
    public Task MissOfInvalidatedKey() => RunAsync();

    /// <summary>Read, reservation, <c>Core</c>, write-back.</summary>
    [Benchmark(OperationsPerInvoke = Ops, Description = "miss of an absent key")]
    public Task MissOfAbsentKey() => RunAsync();

    private string Key(int i) => _batch + ":" + i;

    private async Task RunAsync()
    {
        int before = _runs;
        for (int i = 0; i < Ops; i++)
        {
            await _client.GetOrSetAsync(s_method, Key(i), null, this, static (b, _) =>
            {
                Interlocked.Increment(ref b._runs);
                return new ValueTask<string>("v");
            });
        }

        if (_runs - before != Ops)
        {
            throw new InvalidOperationException($"{Ops - (_runs - before)} calls were not misses");
        }
    }
}
