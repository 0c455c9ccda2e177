using System.Diagnostics;
using System.Globalization;
using CacheGen;
using CacheGen.Stores;
using MessagePack.Formatters;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

// One process of the L1 backplane test: a CacheClient with default options (L1 on; with a 4th argument "redis", off for
// the probe's namespace, so its reads are Redis-level hits against local stamps) over Redis, driven by one-line
// commands on stdin. The cached value of key k is the version counter {prefix}:truth:{k} as Core reads it from Redis;
// "bump" raises the counter and then invalidates (key, namespace or tag), as an application updates then invalidates.
// Even keys use a method proven immutable (L1 keeps the instance), odd keys one that is not (L1 keeps bytes).
var invariant = CultureInfo.InvariantCulture;
string connection = args[0];
string prefix = args[1];
string name = args[2];

var options = new CacheGenOptions { KeyPrefix = prefix };
if (args.Length > 3 && args[3] == "redis")
{
    // the Redis level with the default backplane: L1 off for this namespace only, so reads are Redis hits checked
    // against the local stamp copies (docs/design.md "The Redis hit path")
    options.Namespaces["l1"] = new CacheNamespaceOptions { L1 = false };
}

var configuration = RedisConnectionSettings.Parse(connection, options);
configuration.ClientName = name;
var store = new RedisCacheStore(configuration);
var logger = new ProbeLogger();
var client = new CacheClient(store, new SystemTextJsonCacheSerializer(), Microsoft.Extensions.Options.Options.Create(options), logger);
var truthConnection = await ConnectionMultiplexer.ConnectAsync(connection);
var truth = truthConnection.GetDatabase();

var instanceMethod = new CachedMethod<long>("l1", "probe.instance", 300, "probe-instance-1", Int64Formatter.Instance, isDeeplyImmutable: true);
var bytesMethod = new CachedMethod<long>("l1", "probe.bytes", 300, "probe-bytes-1", Int64Formatter.Instance, isDeeplyImmutable: false);
var output = Console.Out;
var outputLock = new Lock();
var records = new List<(int Key, long Version, long Start)>();
Task? loop = null;
CancellationTokenSource? loopStop = null;

void Say(string line)
{
    lock (outputLock)
    {
        output.WriteLine(line);
        output.Flush();
    }
}

async Task<long> GetAsync(int k) =>
    await client.GetOrSetAsync(
        k % 2 == 0 ? instanceMethod : bytesMethod,
        k.ToString(invariant),
        ["g" + (k % 3).ToString(invariant)],
        k,
        async (key, _) => (long)await truth.StringGetAsync(prefix + ":truth:" + key.ToString(invariant)));

Say("ready");
while (Console.ReadLine() is { } line)
{
    string[] parts = line.Split(' ');
    switch (parts[0])
    {
        case "synced":
            Say("synced " + (logger.Synced ? "1" : "0") + " " + logger.Lost.ToString(invariant) + " " + logger.Resynced.ToString(invariant));
            break;
        case "get":
        {
            int k = int.Parse(parts[1], invariant);
            Say("val " + (await GetAsync(k)).ToString(invariant) + " " + client.GetStatistics().Hits.ToString(invariant));
            break;
        }

        case "bump":
        {
            int k = int.Parse(parts[1], invariant);
            long v = await truth.StringIncrementAsync(prefix + ":truth:" + k.ToString(invariant));
            switch (parts[2])
            {
                case "key": await client.InvalidateKeyAsync("l1", k.ToString(invariant)); break;
                case "ns": await client.InvalidateNamespaceAsync("l1"); break;
                default: await client.InvalidateTagAsync("g" + (k % 3).ToString(invariant)); break;
            }

            Say("done " + v.ToString(invariant) + " " + Stopwatch.GetTimestamp().ToString(invariant));
            break;
        }

        case "loop":
        {
            // readers until "stop": each read is recorded with the time it started
            int readers = int.Parse(parts[1], invariant);
            int keys = int.Parse(parts[2], invariant);
            var stop = new CancellationTokenSource();
            loopStop = stop;
            loop = Task.WhenAll(Enumerable.Range(0, readers).Select(_ => Task.Run(async () =>
            {
                var local = new List<(int, long, long)>();
                while (!stop.IsCancellationRequested)
                {
                    int k = Random.Shared.Next(keys);
                    long start = Stopwatch.GetTimestamp();
                    long v = await GetAsync(k);
                    local.Add((k, v, start));
                    if (local.Count % 64 == 0)
                    {
                        await Task.Yield();
                    }
                }

                lock (records)
                {
                    records.AddRange(local);
                }
            })));
            Say("looping");
            break;
        }

        case "stop":
        {
            loopStop?.Cancel();
            await loop!;
            Say("stopped " + records.Count.ToString(invariant));
            break;
        }

        case "check":
        {
            // check <windowMs> <k:v:doneTimestamp>,...: a read that started more than the window after an invalidation
            // of its key returned must see at least that version. Also the longest lag seen (any read older than its
            // invalidation that started after it returned)
            double windowTicks = double.Parse(parts[1], invariant) * Stopwatch.Frequency / 1000;
            var bumps = parts.Length > 2 && parts[2].Length > 0
                ? parts[2].Split(',').Select(b => b.Split(':')).Select(b => (Key: int.Parse(b[0], invariant), Version: long.Parse(b[1], invariant), Done: long.Parse(b[2], invariant))).ToList()
                : [];
            var byKey = bumps.GroupBy(b => b.Key).ToDictionary(g => g.Key, g => g.OrderBy(b => b.Done).ToArray());
            long stale = 0;
            long lagged = 0;
            double maxLagMs = 0;
            foreach (var (k, v, start) in records)
            {
                if (!byKey.TryGetValue(k, out var list))
                {
                    continue;
                }

                foreach (var b in list)
                {
                    if (b.Done >= start || v >= b.Version)
                    {
                        continue;
                    }

                    lagged++;
                    double lagMs = (start - b.Done) * 1000.0 / Stopwatch.Frequency;
                    maxLagMs = Math.Max(maxLagMs, lagMs);
                    if (start - b.Done > windowTicks)
                    {
                        stale++;
                    }
                }
            }

            Say("checked " + records.Count.ToString(invariant) + " " + stale.ToString(invariant) + " " + lagged.ToString(invariant) + " " + maxLagMs.ToString("F3", invariant) + " " + client.GetStatistics().Hits.ToString(invariant));
            records.Clear();
            break;
        }

        case "quit":
            client.Dispose();
            store.Dispose();
            truthConnection.Dispose();
            Say("bye");
            return;
    }
}

/// <summary>Turns the backplane's log events into flags the test can ask about.</summary>
internal sealed class ProbeLogger : ILogger<CacheClient>
{
    private int _synced;
    private int _lost;
    private int _resynced;

    public bool Synced => Volatile.Read(ref _synced) == 1;

    public int Lost => Volatile.Read(ref _lost);

    public int Resynced => Volatile.Read(ref _resynced);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        switch (eventId.Id)
        {
            case 110:
                Interlocked.Increment(ref _resynced);
                Volatile.Write(ref _synced, 1);
                break;
            case 111:
                Interlocked.Increment(ref _lost);
                Volatile.Write(ref _synced, 0);
                break;
        }
    }
}
