using System.Diagnostics;
using System.Globalization;

namespace CacheGen.IntegrationTests.Infrastructure;

/// <summary>
/// A real Redis Cluster of 3 primaries and 3 replicas: six <c>redis-server --cluster-enabled yes</c> children of
/// <see cref="RedisServerFixture"/> (free loopback ports in 6500–6599, persistence off, stopped by PID and reaped),
/// joined by <c>redis-cli --cluster create --cluster-replicas 1</c>. Ready once every node reports
/// <c>cluster_state:ok</c> and the three replicas report their link up. Free of xunit, so the benchmarks can use it.
/// </summary>
/// <remarks>
/// <c>cluster-node-timeout</c> is 1000 ms (Redis' default is 15 s; a 2000 ms lab setting used earlier, which left 0.5-1 s of a 5 s bound to the client): a killed primary's
/// replica is promoted after about that time plus the election (0.5–1.5 s).
/// </remarks>
public sealed class RedisClusterFixture : IDisposable
{
    /// <summary>The <c>cluster-node-timeout</c> of every node, in milliseconds.</summary>
    public const int NodeTimeoutMs = 1000;

    private static readonly TimeSpan s_readyTimeout = TimeSpan.FromSeconds(30);
    private readonly List<RedisServerFixture> _nodes = [];

    /// <summary>Starts the six nodes, creates the cluster and waits until it is ready. Skips nothing: call only where Redis tests run.</summary>
    public RedisClusterFixture()
    {
        if (RedisServerFixture.SkipReason is not null)
        {
            // the tests are skipped; nothing to start
            return;
        }

        try
        {
            for (int i = 0; i < 6; i++)
            {
                _nodes.Add(RedisServerFixture.Start(
                    "--cluster-enabled", "yes",
                    "--cluster-node-timeout", NodeTimeoutMs.ToString(CultureInfo.InvariantCulture),
                    "--repl-diskless-sync-delay", "0"));
            }

            Create();
            WaitUntilReadyAsync(s_readyTimeout).GetAwaiter().GetResult();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Gets the six nodes, in the order they were created (the first three started as primaries).</summary>
    public IReadOnlyList<RedisServerFixture> Nodes => _nodes;

    /// <summary>Gets every node's <c>127.0.0.1:port</c>, comma-separated: a StackExchange.Redis configuration.</summary>
    public string Configuration => string.Join(",", _nodes.Select(n => n.Configuration));

    /// <summary>Returns the nodes that are up and report <c>role:master</c>.</summary>
    public async Task<IReadOnlyList<RedisServerFixture>> GetPrimariesAsync()
    {
        var primaries = new List<RedisServerFixture>();
        foreach (var node in _nodes)
        {
            if (await TryRoleAsync(node) == "master")
            {
                primaries.Add(node);
            }
        }

        return primaries;
    }

    /// <summary>Returns the primary that serves the hash slot of <paramref name="key"/> now.</summary>
    public async Task<RedisServerFixture> GetPrimaryOfAsync(string key)
    {
        long slot = (await _nodes[0].ExecuteAsync("CLUSTER", "KEYSLOT", key)).EnsureSuccess().Integer;
        foreach (var node in await GetPrimariesAsync())
        {
            // CLUSTER COUNTKEYSINSLOT answers on any node; ownership needs the node's own view of its slots
            if ((await node.ExecuteAsync("CLUSTER", "NODES")).EnsureSuccess().Text.Split('\n').FirstOrDefault(l => l.Contains("myself", StringComparison.Ordinal)) is { } myself
                && OwnsSlot(myself, slot))
            {
                return node;
            }
        }

        throw new InvalidOperationException($"No primary serves slot {slot} now.");
    }

    /// <summary>Returns the hash slots <paramref name="primary"/> serves now, by its own <c>CLUSTER NODES</c> line.</summary>
    public async Task<HashSet<int>> GetSlotsAsync(RedisServerFixture primary)
    {
        string myself = (await primary.ExecuteAsync("CLUSTER", "NODES")).EnsureSuccess().Text.Split('\n').Single(l => l.Contains("myself", StringComparison.Ordinal));
        return [.. Enumerable.Range(0, 16384).Where(slot => OwnsSlot(myself, slot))];
    }

    /// <summary>Returns the replica node of <paramref name="primary"/> (the one whose link to it is up).</summary>
    public async Task<RedisServerFixture> GetReplicaOfAsync(RedisServerFixture primary)
    {
        foreach (var node in _nodes)
        {
            if (node != primary && await RedisNodeQueries.TryInfoAsync(node, "replication") is { } info
                && info.Contains("role:slave", StringComparison.Ordinal)
                && info.Contains("master_port:" + primary.Port.ToString(CultureInfo.InvariantCulture) + "\r\n", StringComparison.Ordinal))
            {
                return node;
            }
        }

        throw new InvalidOperationException($"Primary {primary.Configuration} has no replica.");
    }

    /// <summary>
    /// Kills <paramref name="primary"/> (SIGKILL, reaped) and returns once its replica reports <c>role:master</c>,
    /// with the time that took from the kill.
    /// </summary>
    public async Task<(RedisServerFixture Promoted, TimeSpan Elapsed)> KillPrimaryAsync(RedisServerFixture primary, TimeSpan timeout)
    {
        var replica = await GetReplicaOfAsync(primary);
        var clock = Stopwatch.StartNew();
        primary.Stop();
        while (await TryRoleAsync(replica) != "master")
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"The replica {replica.Configuration} was not promoted within {timeout.TotalSeconds} s of the kill.");
            }

            await Task.Delay(20);
        }

        return (replica, clock.Elapsed);
    }

    /// <summary>
    /// Brings back every node that was stopped (empty; with its <c>nodes.conf</c> it rejoins as a replica of the node
    /// promoted in its place) and waits until the cluster is whole again: 3 primaries, 3 linked replicas.
    /// </summary>
    public async Task RestoreAsync()
    {
        foreach (var node in _nodes)
        {
            if (await TryRoleAsync(node) is null)
            {
                node.Restart();
            }
        }

        await WaitUntilReadyAsync(s_readyTimeout);
    }

    /// <summary>Returns <c>INFO commandstats</c> calls per command of each primary, in <see cref="GetPrimariesAsync"/> order.</summary>
    public async Task<IReadOnlyList<IReadOnlyDictionary<string, long>>> CommandCallsPerPrimaryAsync(IReadOnlyList<RedisServerFixture> primaries)
    {
        var result = new List<IReadOnlyDictionary<string, long>>();
        foreach (var node in primaries)
        {
            result.Add(await node.CommandCallsAsync());
        }

        return result;
    }

    /// <summary>Returns the count of each error code in <c>INFO errorstats</c> of every live node (<c>CROSSSLOT</c>, <c>MOVED</c>, …), summed.</summary>
    public async Task<IReadOnlyDictionary<string, long>> ErrorCountsAsync()
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var node in _nodes)
        {
            if (await RedisNodeQueries.TryInfoAsync(node, "errorstats") is not { } info)
            {
                continue;
            }

            foreach (string line in info.Split("\r\n"))
            {
                // errorstat_CROSSSLOT:count=3
                if (line.StartsWith("errorstat_", StringComparison.Ordinal) && line.IndexOf(":count=", StringComparison.Ordinal) is int at and > 0)
                {
                    string code = line["errorstat_".Length..at];
                    counts[code] = counts.GetValueOrDefault(code) + long.Parse(line[(at + ":count=".Length)..], CultureInfo.InvariantCulture);
                }
            }
        }

        return counts;
    }

    /// <summary>Stops every node (SIGKILL, reaped) and deletes its directory.</summary>
    public void Dispose()
    {
        foreach (var node in _nodes)
        {
            node.Dispose();
        }
    }

    private static bool OwnsSlot(string nodesLine, long slot)
    {
        // <id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot or range>...
        foreach (string field in nodesLine.Trim().Split(' ').Skip(8))
        {
            if (field.StartsWith('['))
            {
                continue; // a slot being imported or migrated
            }

            string[] range = field.Split('-');
            long first = long.Parse(range[0], CultureInfo.InvariantCulture);
            long last = range.Length == 2 ? long.Parse(range[1], CultureInfo.InvariantCulture) : first;
            if (slot >= first && slot <= last)
            {
                return true;
            }
        }

        return false;
    }

    private static async Task<string?> TryRoleAsync(RedisServerFixture node)
    {
        if (await RedisNodeQueries.TryInfoAsync(node, "replication") is not { } info)
        {
            return null;
        }

        return info.Contains("role:master", StringComparison.Ordinal) ? "master" : "slave";
    }

    private void Create()
    {
        var info = new ProcessStartInfo("redis-cli")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add("--cluster");
        info.ArgumentList.Add("create");
        foreach (var node in _nodes)
        {
            info.ArgumentList.Add(node.Configuration);
        }

        info.ArgumentList.Add("--cluster-replicas");
        info.ArgumentList.Add("1");
        info.ArgumentList.Add("--cluster-yes");
        using var process = Process.Start(info) ?? throw new InvalidOperationException("redis-cli did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill();
            process.WaitForExit();
            throw new TimeoutException("redis-cli --cluster create did not finish within 30 s:\n" + stdout.Result + stderr.Result);
        }

        if (process.ExitCode != 0 || !stdout.Result.Contains("All 16384 slots covered", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"redis-cli --cluster create failed ({process.ExitCode}):\n{stdout.Result}{stderr.Result}");
        }
    }

    /// <summary>Waits until every node answers <c>cluster_state:ok</c>, no node sees another as failing, and 3 replicas are linked.</summary>
    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        string last = string.Empty;
        while (clock.Elapsed < timeout)
        {
            int ok = 0;
            int linked = 0;
            int primaries = 0;
            bool failFlags = false;
            foreach (var node in _nodes)
            {
                string? cluster = null;
                try
                {
                    cluster = (await node.ExecuteAsync(TimeSpan.FromSeconds(1), "CLUSTER", "INFO")).Text;
                    string nodes = (await node.ExecuteAsync(TimeSpan.FromSeconds(1), "CLUSTER", "NODES")).Text;
                    failFlags |= nodes.Contains("fail", StringComparison.Ordinal) || nodes.Contains("handshake", StringComparison.Ordinal) || nodes.Contains("noaddr", StringComparison.Ordinal);
                }
                catch (Exception e) when (e is TimeoutException or System.Net.Sockets.SocketException or IOException)
                {
                    last = node.Configuration + ": " + e.Message;
                }

                ok += cluster?.Contains("cluster_state:ok", StringComparison.Ordinal) == true ? 1 : 0;
                string? replication = await RedisNodeQueries.TryInfoAsync(node, "replication");
                linked += replication?.Contains("master_link_status:up", StringComparison.Ordinal) == true ? 1 : 0;
                primaries += replication?.Contains("role:master", StringComparison.Ordinal) == true ? 1 : 0;
            }

            if (ok == _nodes.Count && linked == 3 && primaries == 3 && !failFlags)
            {
                return;
            }

            last = $"{ok} nodes ok, {primaries} primaries, {linked} replicas linked, fail flags: {failFlags}";
            await Task.Delay(50);
        }

        throw new TimeoutException($"The cluster was not ready within {timeout.TotalSeconds} s ({last}).");
    }
}
