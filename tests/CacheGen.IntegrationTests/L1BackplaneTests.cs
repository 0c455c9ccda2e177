using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Threading.Channels;
using CacheGen.IntegrationTests.Infrastructure;

namespace CacheGen.IntegrationTests;

/// <summary>
/// Issue 11: three processes (<c>dotnet CacheGen.L1Probe.dll</c>), each a CacheClient with default options (L1 on),
/// on one redis-server of the test's own. Every invalidation in one process must be honoured by the others' L1
/// within the documented window, also across a killed subscription (<c>CLIENT KILL ID</c> of one process's
/// pub/sub connection), over 1,000 randomised invalidations made while all three read.
/// </summary>
public sealed class L1BackplaneTests(ITestOutputHelper output)
{
    /// <summary>
    /// The documented bound of the window (docs/design.md, "In-process level"): a read that starts later than this after an
    /// invalidation returned never sees the old value; the lease, 3 × the default ping interval. Typically milliseconds.
    /// </summary>
    private const double WindowMs = 3000;

    private const int Keys = 12;

    private static readonly string s_probe = typeof(L1BackplaneTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "L1ProbeAssembly").Value!;

    /// <param name="level">
    /// <c>l1</c>: the probes' namespace in L1 (the reads checked are L1 hits); <c>redis</c>: L1 off for that namespace
    /// only, the backplane still on, so every read is a Redis-level hit against the local stamp copies (one <c>GET</c>,
    /// docs/design.md "The Redis hit path"), which must honour the same window.
    /// </param>
    [RedisTheory]
    [InlineData("l1")]
    [InlineData("redis")]
    public async Task ThreeProcesses_HonourEveryInvalidationWithinTheWindow_AcrossAKilledSubscription(string level)
    {
        using var redis = RedisServerFixture.Start("--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru");
        string prefix = TestCache.NewPrefix();
        var probes = new List<Probe>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                probes.Add(Probe.Start(s_probe, redis.Configuration, prefix, prefix + "-p" + i.ToString(CultureInfo.InvariantCulture), level));
            }

            foreach (var p in probes)
            {
                await p.ExpectAsync("ready", TimeSpan.FromSeconds(60));
            }

            foreach (var p in probes)
            {
                await p.WaitSyncedAsync(minResyncs: 1);
            }

            // 1. the window, measured: warm key 0 into every L1, invalidate it in process 0, time until 1 and 2 see it
            foreach (var p in probes)
            {
                await p.AskAsync("get 0", "val");
                await p.AskAsync("get 0", "val");
            }

            long getsBefore = await GetCallsAsync(redis);
            long mgetsBefore = (await redis.CommandCallsAsync()).GetValueOrDefault("mget");
            foreach (var p in probes)
            {
                await p.AskAsync("get 0", "val");
            }

            if (level == "l1")
            {
                // three reads of a warm key, none of them reached Redis: L1 served them
                Assert.Equal(getsBefore, await GetCallsAsync(redis));
            }
            else
            {
                // three reads of a warm key, each one GET of the entry (the stamps held locally) and no MGET
                Assert.Equal(getsBefore + 3, await GetCallsAsync(redis));
                Assert.Equal(mgetsBefore, (await redis.CommandCallsAsync()).GetValueOrDefault("mget"));
            }

            var lags = new List<double>();
            for (int round = 0; round < 20; round++)
            {
                string done = await probes[0].AskAsync("bump 0 key", "done");
                long version = long.Parse(done.Split(' ')[1], CultureInfo.InvariantCulture);
                long returned = long.Parse(done.Split(' ')[2], CultureInfo.InvariantCulture);
                foreach (var p in probes.Skip(1))
                {
                    while (long.Parse((await p.AskAsync("get 0", "val")).Split(' ')[1], CultureInfo.InvariantCulture) < version)
                    {
                        Assert.True(Stopwatch.GetElapsedTime(returned).TotalMilliseconds < 10 * WindowMs, "process never dropped its copy");
                    }

                    lags.Add(Stopwatch.GetElapsedTime(returned).TotalMilliseconds);
                }
            }

            lags.Sort();
            output.WriteLine($"time from an invalidation returning in process 0 until processes 1 and 2 read the new value (incl. one stdin/stdout round trip per read): median {lags[lags.Count / 2]:F2} ms, max {lags[^1]:F2} ms over {lags.Count}");

            // 2. 1,000 randomised invalidations while every process reads 12 keys with 2 readers; process 1 loses its
            // subscription halfway
            foreach (var p in probes)
            {
                await p.AskAsync("loop 2 " + Keys.ToString(CultureInfo.InvariantCulture), "looping");
            }

            var random = new Random(11);
            string[] kinds = ["key", "ns", "tag"];
            var bumps = new List<string>();
            for (int round = 0; round < 1000; round++)
            {
                if (round == 500)
                {
                    // process 1 loses its subscription and cannot make it again for 40 rounds: what is published
                    // meanwhile never reaches it. Only dropping L1 when it resynchronises keeps it from serving those
                    await redis.ExecuteAsync("ACL", "SETUSER", "default", "-subscribe", "-psubscribe", "-ssubscribe");
                    await KillSubscriptionAsync(redis, prefix + "-p1");
                }

                if (round == 540)
                {
                    await redis.ExecuteAsync("ACL", "SETUSER", "default", "+subscribe", "+psubscribe", "+ssubscribe");
                    await KillClientsAsync(redis, prefix + "-p1"); // reconnect now rather than at its next retry

                    // no invalidation for longer than the window once it is back: an entry that missed one of the 40
                    // would be served past the window now (it is, if the resynchronisation keeps L1)
                    await probes[1].WaitSyncedAsync(minResyncs: 2);
                    await Task.Delay(TimeSpan.FromMilliseconds(WindowMs + 500));
                }

                int k = random.Next(Keys);

                // right after the kill, invalidations come from the other two, so some are published while process 1
                // is not subscribed: they are lost to it, and only its resynchronisation keeps it from serving them
                var p = round is >= 500 and < 540 ? probes[random.Next(2) * 2] : probes[random.Next(3)];
                if (round is >= 500 and < 540)
                {
                    await Task.Delay(5); // spread the 40 over ~200 ms, while process 1 reads from Redis (L1 bypassed)
                }
                string done = await p.AskAsync("bump " + k.ToString(CultureInfo.InvariantCulture) + " " + kinds[random.Next(3)], "done");
                string[] parts = done.Split(' ');
                bumps.Add(k.ToString(CultureInfo.InvariantCulture) + ":" + parts[1] + ":" + parts[2]);
                if (round is < 500 or >= 540 && random.Next(4) == 0)
                {
                    await Task.Delay(random.Next(3));
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(WindowMs + 200));
            long stale = 0;
            foreach (var p in probes)
            {
                await p.AskAsync("stop", "stopped");
                string check = await p.AskAsync("check " + WindowMs.ToString(CultureInfo.InvariantCulture) + " " + string.Join(",", bumps), "checked");
                string synced = await p.AskAsync("synced", "synced");
                output.WriteLine($"{p.Name}: checked reads, stale beyond window, reads older than an invalidation that had returned, max lag ms, hits = {check}; synced, lost, resyncs = {synced}");
                stale += long.Parse(check.Split(' ')[2], CultureInfo.InvariantCulture);
            }

            Assert.Equal(0, stale);

            // process 1 saw its subscription die and came back (resynced a second time); the others never lost theirs
            string[] p1 = (await probes[1].AskAsync("synced", "synced")).Split(' ');
            Assert.Equal("1", p1[1]);
            Assert.True(int.Parse(p1[2], CultureInfo.InvariantCulture) >= 1, "process 1 never noticed its subscription was killed");
            Assert.True(int.Parse(p1[3], CultureInfo.InvariantCulture) >= 2, "process 1 never resynchronised");
        }
        finally
        {
            foreach (var p in probes)
            {
                await p.DisposeAsync();
            }
        }
    }

    [RedisFact]
    public async Task RedisDown_L1HitsAreServedUntilTheirL1Ttl_MissesRunCore_NoCallerException()
    {
        using var server = RedisServerFixture.Start();
        using var cache = await TestCache.CreateAsync(server.Configuration, o => o.L1.TtlSeconds = 3);
        var method = new CachedMethod("l1", "T.Down~1", 600, "fp");
        var deadline = Stopwatch.StartNew();
        while (!cache.Client.Backplane!.IsSynced)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), "the backplane did not sync");
            await Task.Delay(20);
        }

        // warm: the first call's write-back fills L1; under a loaded suite a store operation may pass its timeout and
        // leave nothing written (and nothing in L1), so the call is repeated until the value is in L1
        int core = 0;
        var warming = Stopwatch.StartNew();
        do
        {
            Assert.Equal("v1", await cache.GetAsync(method, "warm", () => { core++; return "v1"; }));
            Assert.True(warming.Elapsed < TimeSpan.FromSeconds(10), "the warm value never reached L1");
        }
        while (cache.Client.L1!.Count == 0);

        var written = Stopwatch.StartNew();
        Assert.Equal(1, cache.Client.L1!.Count);

        server.Stop();
        int misses = 0;
        while (cache.Client.CircuitState != CircuitState.Open)
        {
            // each call is served, from L1 or by Core; never an exception
            Assert.Equal("v1", await cache.GetAsync(method, "warm", () => { core++; return "v1"; }));
            Assert.Equal("cold", await cache.GetAsync(method, "cold" + misses++, () => "cold"));
            Assert.True(written.Elapsed < TimeSpan.FromSeconds(2.5), "the circuit did not open within 2.5 s");
        }

        int coreBefore = core;
        Assert.Equal("v1", await cache.GetAsync(method, "warm", () => { core++; return "v2"; }));
        Assert.Equal(coreBefore, core); // served by L1 while Redis is down
        Assert.Equal("x", await cache.GetAsync(method, "other", () => "x")); // a miss runs Core

        var ttlOver = TimeSpan.FromSeconds(3.2) - written.Elapsed;
        if (ttlOver > TimeSpan.Zero)
        {
            await Task.Delay(ttlOver); // (already over when a loaded machine took that long: a negative delay would throw)
        }

        Assert.Equal("v2", await cache.GetAsync(method, "warm", () => { core++; return "v2"; })); // its L1 TTL is over: Core
        output.WriteLine($"circuit opened after {misses} cold calls; L1 served the warm key until its L1 TTL; {cache.Client.GetStatistics()}");
    }

    [RedisFact]
    public async Task SubscriptionRefusedAfterAReconnect_IsMadeAgain_AndL1ServesAgain()
    {
        using var server = RedisServerFixture.Start();
        using var cache = await TestCache.CreateAsync(server.Configuration);
        await WaitSyncedAsync(cache, TimeSpan.FromSeconds(20));

        // the subscription connection dies while the server refuses SUBSCRIBE: StackExchange.Redis reconnects and its
        // re-subscription is refused; once SUBSCRIBE is allowed again nothing retries it but the backplane itself
        await server.ExecuteAsync("ACL", "SETUSER", "default", "-subscribe", "-psubscribe", "-ssubscribe");
        Assert.True((await server.ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub")).EnsureSuccess().Integer >= 1);
        var killed = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(2));
        await server.ExecuteAsync("ACL", "SETUSER", "default", "+subscribe", "+psubscribe", "+ssubscribe");
        Assert.False(cache.Client.Backplane!.IsSynced);

        // the lease (3 s) plus two more without a ping coming back, then one tick to subscribe and one ping
        await WaitSyncedAsync(cache, TimeSpan.FromSeconds(20));
        output.WriteLine($"in sync again {killed.ElapsedMilliseconds} ms after the kill");
        Assert.Contains(cache.Logger.Collector.GetSnapshot(), e => e.Id.Id == 113);
    }

    /// <summary>
    /// The lease on the real clock (a hit checks it on the coarse <see cref="Environment.TickCount64"/> it reads for
    /// expiry): once pings stop coming back while the subscription stays up, L1 serves no hit later than the lease
    /// after the last ping that came back was sent.
    /// </summary>
    [RedisFact]
    public async Task PingsThatStopComingBack_L1ServesNoHitPastTheLease()
    {
        using var server = RedisServerFixture.Start();
        using var cache = await TestCache.CreateAsync(server.Configuration);
        var method = new CachedMethod("l1", "T.Lease~1", 600, "fp");
        await WaitSyncedAsync(cache, TimeSpan.FromSeconds(20));
        var warming = Stopwatch.StartNew();
        do
        {
            Assert.Equal("v1", await cache.GetAsync(method, "warm", () => "v1"));
            Assert.True(warming.Elapsed < TimeSpan.FromSeconds(10), "the warm value never reached L1");
        }
        while (cache.Client.L1!.Count == 0);

        long readsBefore = await ReadCallsAsync(server);
        Assert.Equal("v1", await cache.GetAsync(method, "warm", () => "v2"));
        Assert.Equal(readsBefore, await ReadCallsAsync(server)); // an L1 hit

        // from here no ping goes out (PUBLISH denied), and every ping that came back was sent before this point;
        // the subscription stays up, so only the lease can end L1's service
        (await server.ExecuteAsync("ACL", "SETUSER", "default", "-publish")).EnsureSuccess();
        var denied = Stopwatch.StartNew();
        while (denied.Elapsed.TotalMilliseconds <= WindowMs)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, WindowMs + 1 - denied.Elapsed.TotalMilliseconds)));
        }

        // the hit path first (asking IsSynced would mark the backplane down for it)
        readsBefore = await ReadCallsAsync(server);
        Assert.Equal("v1", await cache.GetAsync(method, "warm", () => "v2")); // Redis still holds v1
        Assert.True(await ReadCallsAsync(server) > readsBefore, $"L1 served a hit {denied.ElapsedMilliseconds} ms after PUBLISH was denied (every ping that came back was sent before); the lease is {WindowMs} ms");
        Assert.False(cache.Client.Backplane!.IsSynced);
    }

    private static async Task<long> ReadCallsAsync(RedisServerFixture redis)
    {
        var calls = await redis.CommandCallsAsync();
        return (calls.TryGetValue("get", out long gets) ? gets : 0) + (calls.TryGetValue("mget", out long mgets) ? mgets : 0);
    }

    private static async Task WaitSyncedAsync(TestCache cache, TimeSpan bound)
    {
        var deadline = Stopwatch.StartNew();
        while (!cache.Client.Backplane!.IsSynced)
        {
            Assert.True(deadline.Elapsed < bound, "the backplane did not sync");
            await Task.Delay(20);
        }
    }

    private static async Task<long> GetCallsAsync(RedisServerFixture redis) =>
        (await redis.CommandCallsAsync()).TryGetValue("get", out long calls) ? calls : 0;

    private static async Task KillSubscriptionAsync(RedisServerFixture redis, string clientName)
    {
        string list = (await redis.ExecuteAsync("CLIENT", "LIST", "TYPE", "pubsub")).EnsureSuccess().Text;
        var line = list.Split('\n').Single(l => l.Contains(" name=" + clientName + " ", StringComparison.Ordinal));
        string id = line.Split(' ').Single(f => f.StartsWith("id=", StringComparison.Ordinal))[3..];
        Assert.Equal(1, (await redis.ExecuteAsync("CLIENT", "KILL", "ID", id)).EnsureSuccess().Integer);
    }

    private static async Task KillClientsAsync(RedisServerFixture redis, string clientName)
    {
        string list = (await redis.ExecuteAsync("CLIENT", "LIST")).EnsureSuccess().Text;
        foreach (var line in list.Split('\n').Where(l => l.Contains(" name=" + clientName + " ", StringComparison.Ordinal)))
        {
            string id = line.Split(' ').Single(f => f.StartsWith("id=", StringComparison.Ordinal))[3..];
            await redis.ExecuteAsync("CLIENT", "KILL", "ID", id);
        }
    }

    /// <summary>One probe process and its line protocol.</summary>
    private sealed class Probe : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
        private readonly System.Text.StringBuilder _errors = new();

        private Probe(Process process, string name)
        {
            _process = process;
            Name = name;
        }

        public string Name { get; }

        public static Probe Start(string assembly, string redis, string prefix, string name, string level = "l1")
        {
            Assert.True(File.Exists(assembly), $"the probe is not built at {assembly}");
            var start = new ProcessStartInfo("dotnet", [assembly, redis, prefix, name, level])
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            var probe = new Probe(Process.Start(start)!, name);
            probe._process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    probe._lines.Writer.TryWrite(e.Data);
                }
            };
            probe._process.ErrorDataReceived += (_, e) =>
            {
                lock (probe._errors)
                {
                    probe._errors.AppendLine(e.Data);
                }
            };
            probe._process.BeginOutputReadLine();
            probe._process.BeginErrorReadLine();
            return probe;
        }

        public async Task<string> AskAsync(string command, string reply)
        {
            await _process.StandardInput.WriteLineAsync(command);
            await _process.StandardInput.FlushAsync();
            return await ExpectAsync(reply, TimeSpan.FromSeconds(60));
        }

        public async Task<string> ExpectAsync(string reply, TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                while (true)
                {
                    string line = await _lines.Reader.ReadAsync(cts.Token);
                    if (line == reply || line.StartsWith(reply + " ", StringComparison.Ordinal))
                    {
                        return line;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                string errors;
                lock (_errors)
                {
                    errors = _errors.ToString();
                }

                throw new TimeoutException($"{Name}: no '{reply}' within {timeout}; exited: {_process.HasExited}; stderr: {errors}");
            }
        }

        public async Task WaitSyncedAsync(int minResyncs)
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                string[] parts = (await AskAsync("synced", "synced")).Split(' ');
                if (parts[1] == "1" && int.Parse(parts[3], CultureInfo.InvariantCulture) >= minResyncs)
                {
                    return;
                }

                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"{Name}: the backplane did not sync");
                await Task.Delay(50);
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (!_process.HasExited)
                {
                    await _process.StandardInput.WriteLineAsync("quit");
                    await _process.StandardInput.FlushAsync();
                    if (!_process.WaitForExit(5000))
                    {
                        _process.Kill();
                    }
                }
            }
            catch (IOException)
            {
                // already gone
            }

            _process.Dispose();
        }
    }
}
