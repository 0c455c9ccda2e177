using BenchmarkDotNet.Attributes;
using StackExchange.Redis;

namespace CacheGen.ClientStudy;

/// <summary>
/// Raw <c>GET</c> of one 330-byte value on loopback: one caller awaiting in a loop, 64 callers awaiting concurrently
/// (one key each), and one caller calling the synchronous API. Each invocation runs a batch; the reported time is per GET.
/// </summary>
[Config(typeof(ClientStudyConfig))]
public class RawGet
{
    internal const int Batch = 256;
    internal const int Callers = 64;
    internal const int PerCaller = 64;

    private ConnectionMultiplexer _mux = null!;
    private IDatabase _db = null!;
    private RedisKey[] _keys = null!;

    [GlobalSetup]
    public void Setup()
    {
        string port = Environment.GetEnvironmentVariable("BENCH_REDIS_PORT")
            ?? throw new InvalidOperationException("BENCH_REDIS_PORT is not set: run scripts/bench-client.sh");
        var options = ConfigurationOptions.Parse($"127.0.0.1:{port},abortConnect=false,connectTimeout=5000");
        string knob = Knobs.Configure(options);
        _mux = ConnectionMultiplexer.Connect(options);
        Knobs.AfterConnect(_mux);
        _db = _mux.GetDatabase();
        byte[] value = new byte[330];
        new Random(42).NextBytes(value);
        _keys = new RedisKey[Callers];
        for (int i = 0; i < Callers; i++)
        {
            _keys[i] = "clientstudy:" + i;
            _db.StringSet(_keys[i], value);
        }

        if (((byte[]?)_db.StringGet(_keys[0]))?.Length != 330)
        {
            throw new InvalidOperationException("the 330-byte value did not round-trip");
        }

        string? version = typeof(ConnectionMultiplexer).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion;
        Console.WriteLine($"// client {version} knob {knob}");
    }

    [GlobalCleanup]
    public void Cleanup() => _mux.Dispose();

    [Benchmark(OperationsPerInvoke = Batch, Description = "GET async, 1 caller")]
    public async Task<long> OneCaller()
    {
        long bytes = 0;
        for (int i = 0; i < Batch; i++)
        {
            bytes += ((byte[]?)await _db.StringGetAsync(_keys[0]).ConfigureAwait(false))!.Length;
        }

        return bytes;
    }

    [Benchmark(OperationsPerInvoke = Callers * PerCaller, Description = "GET async, 64 callers")]
    public async Task<long> SixtyFourCallers()
    {
        var callers = new Task<long>[Callers];
        for (int c = 0; c < Callers; c++)
        {
            callers[c] = Caller(_keys[c]);
        }

        long bytes = 0;
        foreach (long b in await Task.WhenAll(callers).ConfigureAwait(false))
        {
            bytes += b;
        }

        return bytes;
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "GET sync, 1 caller")]
    public long OneCallerSync()
    {
        long bytes = 0;
        for (int i = 0; i < Batch; i++)
        {
            bytes += ((byte[]?)_db.StringGet(_keys[0]))!.Length;
        }

        return bytes;
    }

    private async Task<long> Caller(RedisKey key)
    {
        // start on the thread pool, as 64 independent requests would
        await Task.Yield();
        long bytes = 0;
        for (int i = 0; i < PerCaller; i++)
        {
            bytes += ((byte[]?)await _db.StringGetAsync(key).ConfigureAwait(false))!.Length;
        }

        return bytes;
    }
}
