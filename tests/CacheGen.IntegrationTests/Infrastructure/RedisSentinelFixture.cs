using System.Diagnostics;
using System.Globalization;

namespace CacheGen.IntegrationTests.Infrastructure;

/// <summary>
/// A real Redis Sentinel set-up: one primary, one replica and three sentinels (<c>redis-server --sentinel</c>, quorum
/// 2) watching the service <see cref="ServiceName"/>, all <see cref="RedisServerFixture"/> children (free loopback ports
/// in 6500–6599, persistence off, stopped by PID and reaped). Ready once every sentinel agrees on the primary, knows the
/// replica and the two other sentinels, and the replica's link is up. Free of xunit, so the benchmarks can use it.
/// </summary>
/// <remarks>
/// <c>down-after-milliseconds</c> is 1000 (Redis' default is 30 s) and <c>failover-timeout</c> 5000, so a killed
/// primary is replaced in about 2–3 s and the set-up can fail over again a few seconds later.
/// </remarks>
public sealed class RedisSentinelFixture : IDisposable
{
    /// <summary>The Sentinel service name (<c>serviceName=</c> in the client configuration).</summary>
    public const string ServiceName = "cachegen";

    private static readonly TimeSpan s_readyTimeout = TimeSpan.FromSeconds(30);
    private readonly List<RedisServerFixture> _data = [];
    private readonly List<RedisServerFixture> _sentinels = [];

    /// <summary>Starts the primary, the replica and the three sentinels and waits until they agree.</summary>
    public RedisSentinelFixture()
    {
        if (RedisServerFixture.SkipReason is not null)
        {
            return;
        }

        try
        {
            var primary = RedisServerFixture.Start("--repl-diskless-sync-delay", "0");
            _data.Add(primary);
            _data.Add(RedisServerFixture.Start("--repl-diskless-sync-delay", "0", "--replicaof", "127.0.0.1", primary.Port.ToString(CultureInfo.InvariantCulture)));
            string config = $"""
                sentinel monitor {ServiceName} 127.0.0.1 {primary.Port.ToString(CultureInfo.InvariantCulture)} 2
                sentinel down-after-milliseconds {ServiceName} 1000
                sentinel failover-timeout {ServiceName} 5000
                sentinel parallel-syncs {ServiceName} 1

                """;
            for (int i = 0; i < 3; i++)
            {
                _sentinels.Add(RedisServerFixture.StartWithConfigFile(config, "--sentinel"));
            }

            WaitUntilReadyAsync(s_readyTimeout).GetAwaiter().GetResult();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Gets the two data nodes (primary and replica, in either role now).</summary>
    public IReadOnlyList<RedisServerFixture> DataNodes => _data;

    /// <summary>Gets the three sentinels.</summary>
    public IReadOnlyList<RedisServerFixture> Sentinels => _sentinels;

    /// <summary>Gets the client configuration: the three sentinel endpoints and <c>serviceName=cachegen</c>.</summary>
    public string Configuration => string.Join(",", _sentinels.Select(s => s.Configuration)) + ",serviceName=" + ServiceName;

    /// <summary>Returns the data node the first sentinel names as primary now.</summary>
    public async Task<RedisServerFixture> GetPrimaryAsync()
    {
        int port = await PrimaryPortAsync(_sentinels[0]) ?? throw new InvalidOperationException("The sentinel names no primary.");
        return _data.Single(n => n.Port == port);
    }

    /// <summary>Returns the data node that is not the primary.</summary>
    public async Task<RedisServerFixture> GetReplicaAsync()
    {
        var primary = await GetPrimaryAsync();
        return _data.Single(n => n != primary);
    }

    /// <summary>
    /// Asks a sentinel for a failover (<c>SENTINEL FAILOVER</c>) and returns once the failover is announced (see
    /// <see cref="WaitForPromotionAsync"/>), with the new primary and the time that took.
    /// </summary>
    public async Task<(RedisServerFixture Promoted, TimeSpan Elapsed)> FailoverAsync(TimeSpan timeout)
    {
        var replica = await GetReplicaAsync();
        var clock = Stopwatch.StartNew();
        (await _sentinels[0].ExecuteAsync("SENTINEL", "FAILOVER", ServiceName)).EnsureSuccess();
        await WaitForPromotionAsync(replica, clock, timeout);
        return (replica, clock.Elapsed);
    }

    /// <summary>Kills the primary (SIGKILL, reaped) and returns once the sentinels announced the replica's promotion (see <see cref="WaitForPromotionAsync"/>), with the time from the kill.</summary>
    public async Task<(RedisServerFixture Killed, RedisServerFixture Promoted, TimeSpan Elapsed)> KillPrimaryAsync(TimeSpan timeout)
    {
        var primary = await GetPrimaryAsync();
        var replica = _data.Single(n => n != primary);
        var clock = Stopwatch.StartNew();
        primary.Stop();
        await WaitForPromotionAsync(replica, clock, timeout);
        return (primary, replica, clock.Elapsed);
    }

    /// <summary>
    /// Waits until <paramref name="replica"/> reports <c>role:master</c> and a sentinel names it as the primary. The second
    /// is when a Sentinel client can learn of the failover: the sentinel that led it publishes <c>+switch-master</c> as it
    /// changes the address it answers with, which can be seconds after the replica took the role (it first confirms the
    /// promotion through its <c>INFO</c> polling, once a second during a failover, and reconfigures the other nodes).
    /// </summary>
    private async Task WaitForPromotionAsync(RedisServerFixture replica, Stopwatch clock, TimeSpan timeout)
    {
        await WaitForRoleAsync(replica, "master", clock, timeout);
        while (true)
        {
            foreach (var sentinel in _sentinels)
            {
                if (await PrimaryPortAsync(sentinel) == replica.Port)
                {
                    return;
                }
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"No sentinel named {replica.Configuration} as the primary within {timeout.TotalSeconds} s.");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Restarts a stopped data node (empty; the sentinels turn it into a replica) and waits until the set-up is whole.</summary>
    public async Task RestoreAsync()
    {
        foreach (var node in _data)
        {
            if (await RedisNodeQueries.TryInfoAsync(node, "replication") is null)
            {
                node.Restart();
            }
        }

        await WaitUntilReadyAsync(s_readyTimeout);
    }

    /// <summary>Stops every process (SIGKILL, reaped) and deletes its directory.</summary>
    public void Dispose()
    {
        foreach (var node in _sentinels.Concat(_data))
        {
            node.Dispose();
        }
    }

    private static async Task<int?> PrimaryPortAsync(RedisServerFixture sentinel)
    {
        try
        {
            var reply = await sentinel.ExecuteAsync(TimeSpan.FromSeconds(1), "SENTINEL", "GET-MASTER-ADDR-BY-NAME", ServiceName);
            return reply is { Kind: RedisReplyKind.Array, Items: [_, var port] } ? int.Parse(port.Text, CultureInfo.InvariantCulture) : null;
        }
        catch (Exception e) when (e is TimeoutException or System.Net.Sockets.SocketException or IOException)
        {
            return null;
        }
    }

    private static async Task WaitForRoleAsync(RedisServerFixture node, string role, Stopwatch clock, TimeSpan timeout)
    {
        while (!(await RedisNodeQueries.TryInfoAsync(node, "replication") ?? string.Empty).Contains("role:" + role, StringComparison.Ordinal))
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"{node.Configuration} did not report role:{role} within {timeout.TotalSeconds} s.");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Waits until all three sentinels name the same primary, which reports <c>role:master</c>; each sees one replica
    /// and two other sentinels; and the other data node is that primary's replica with its link up.
    /// </summary>
    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        string last = string.Empty;
        while (clock.Elapsed < timeout)
        {
            var ports = new List<int?>();
            bool complete = true;
            foreach (var sentinel in _sentinels)
            {
                ports.Add(await PrimaryPortAsync(sentinel));
                try
                {
                    var master = await sentinel.ExecuteAsync(TimeSpan.FromSeconds(1), "SENTINEL", "MASTER", ServiceName);
                    var fields = master.Items?.Select(i => i.Text).ToList() ?? [];
                    string Field(string name) => fields.IndexOf(name) is int at and >= 0 && at + 1 < fields.Count ? fields[at + 1] : string.Empty;
                    complete &= Field("num-slaves") == "1" && Field("num-other-sentinels") == "2" && Field("flags") == "master";
                }
                catch (Exception e) when (e is TimeoutException or System.Net.Sockets.SocketException or IOException)
                {
                    complete = false;
                }
            }

            if (complete && ports.Distinct().Count() == 1 && ports[0] is int port && _data.SingleOrDefault(n => n.Port == port) is { } primary)
            {
                var replica = _data.Single(n => n != primary);
                string primaryInfo = await RedisNodeQueries.TryInfoAsync(primary, "replication") ?? string.Empty;
                string replicaInfo = await RedisNodeQueries.TryInfoAsync(replica, "replication") ?? string.Empty;
                if (primaryInfo.Contains("role:master", StringComparison.Ordinal)
                    && replicaInfo.Contains("master_port:" + port.ToString(CultureInfo.InvariantCulture) + "\r\n", StringComparison.Ordinal)
                    && replicaInfo.Contains("master_link_status:up", StringComparison.Ordinal))
                {
                    return;
                }

                last = $"primary {port}; replica {replica.Port} not linked yet";
            }
            else
            {
                last = $"sentinels name {string.Join(",", ports)}; complete: {complete}";
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"The Sentinel set-up was not ready within {timeout.TotalSeconds} s ({last}).");
    }
}
