using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace CacheGen.HitPath;

/// <summary>
/// The cost of <see cref="CacheGenOptions.InvalidationReplicas"/> (Redis <c>WAIT</c> after each invalidation): one key
/// invalidation on a primary with one replica (started here, <c>--replicaof</c> the server of
/// <c>scripts/bench-run.sh hit</c>), both endpoints configured, without (0) and with (1) the wait. Compare the two means
/// of one run. The setup checks that with the wait the tombstone is on the replica when the call returns.
/// </summary>
[Config(typeof(HitPathConfig))]
public class InvalidationWait
{
    private Process? _replica;
    private string? _dir;
    private ServiceProvider? _services;
    private ICacheClient _client = null!;
    private ConnectionMultiplexer? _replicaMux;
    private int _n;

    /// <summary>Gets or sets how many replicas must acknowledge each invalidation.</summary>
    [Params(0, 1)]
    public int InvalidationReplicas { get; set; }

    private static int PrimaryPort => int.Parse(Environment.GetEnvironmentVariable("BENCH_REDIS_PORT")
        ?? throw new InvalidOperationException("BENCH_REDIS_PORT is not set: run scripts/bench-run.sh hit"), CultureInfo.InvariantCulture);

    [GlobalSetup]
    public void Setup()
    {
        int port = FreePort();
        _dir = Directory.CreateTempSubdirectory("cachegen-bench-replica-").FullName;
        var info = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (string arg in (string[])["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no", "--dir", _dir, "--replicaof", "127.0.0.1", PrimaryPort.ToString(CultureInfo.InvariantCulture)])
        {
            info.ArgumentList.Add(arg);
        }

        _replica = Process.Start(info)!;
        _replicaMux = ConnectionMultiplexer.Connect($"127.0.0.1:{port},abortConnect=false,allowAdmin=true");
        var watch = Stopwatch.StartNew();
        while (!_replicaMux.GetServer("127.0.0.1", port).Info("replication").SelectMany(g => g).Any(p => p.Key == "master_link_status" && p.Value == "up"))
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new InvalidOperationException("the replica did not link to the primary");
            }

            Thread.Sleep(20);
        }

        var services = new ServiceCollection();
        services.AddCacheGen(o =>
        {
            o.Redis = $"127.0.0.1:{PrimaryPort},127.0.0.1:{port}";
            o.KeyPrefix = "benchwait";
            o.InvalidationReplicas = InvalidationReplicas;
        });
        _services = services.BuildServiceProvider();
        _client = _services.GetRequiredService<ICacheClient>();

        // until an invalidation reaches Redis (the first connect runs in the background)
        watch.Restart();
        do
        {
            Thread.Sleep(50);
            _client.InvalidateKeyAsync("wait", "check").AsTask().GetAwaiter().GetResult();
        }
        while (_client.GetStatistics().PendingInvalidations > 0 && watch.Elapsed < TimeSpan.FromSeconds(30));

        _client.InvalidateKeyAsync("wait", "check2").AsTask().GetAwaiter().GetResult();
        bool onReplica = _replicaMux.GetDatabase().KeyExists("benchwait:wait:check2");
        if (_client.GetStatistics().PendingInvalidations > 0 || (InvalidationReplicas > 0 && !onReplica))
        {
            throw new InvalidOperationException($"setup: pending {_client.GetStatistics().PendingInvalidations}, on the replica at return {onReplica}");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Console.WriteLine($"// CacheGen statistics: {_client.GetStatistics()}");
        _services?.Dispose();
        _replicaMux?.Dispose();
        if (_replica is { HasExited: false })
        {
            _replica.Kill();
            _replica.WaitForExit();
        }

        _replica?.Dispose();
        if (_dir is not null)
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    /// <summary>One key invalidation (a tombstone script), with or without the <c>WAIT</c>.</summary>
    [Benchmark(Description = "InvalidateKeyAsync")]
    public ValueTask Invalidate() => _client.InvalidateKeyAsync("wait", "k" + (_n++ % 1000).ToString(CultureInfo.InvariantCulture));

    private static int FreePort()
    {
        for (int port = 6800; port < 6900; port++)
        {
            var probe = new TcpListener(IPAddress.Loopback, port);
            try
            {
                probe.Start();
                return port;
            }
            catch (SocketException)
            {
            }
            finally
            {
                probe.Stop();
            }
        }

        throw new InvalidOperationException("no free port in 6800-6899");
    }
}
