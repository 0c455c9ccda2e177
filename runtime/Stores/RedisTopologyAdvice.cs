using System.Globalization;
using System.Net;
using StackExchange.Redis;

namespace CacheGen.Stores;

/// <summary>
/// Issue 10 item 3: what to tell the user when every configured endpoint turned out to be a replica. A client configured
/// with one endpoint of a primary + replica pair cannot follow a failover (it only knows the demoted node); the warning
/// names the primary it cannot reach and what to configure instead.
/// </summary>
internal static class RedisTopologyAdvice
{
    /// <summary>The reason used when the replicas' primary is configured (or unknown).</summary>
    public const string ConnectedToReplica = "the store is connected to a Redis replica";

    /// <summary>Returns the read-only reason for the <c>StoreReadOnly</c> warning; never throws.</summary>
    public static async Task<string> DescribeReadOnlyAsync(ConnectionMultiplexer multiplexer, TimeSpan timeout, TimeProvider time)
    {
        try
        {
            var configured = multiplexer.GetEndPoints();
            foreach (EndPoint endpoint in configured)
            {
                var server = multiplexer.GetServer(endpoint);
                if (!server.IsConnected || await server.RoleAsync().WaitAsync(timeout, time).ConfigureAwait(false) is not Role.Replica replica)
                {
                    continue;
                }

                string primary = replica.MasterIp + ":" + replica.MasterPort.ToString(CultureInfo.InvariantCulture);
                if (!configured.Any(e => Format(e) == primary))
                {
                    return $"every configured endpoint is a replica: {Format(endpoint)} replicates from {primary}, which is not configured, so CacheGen cannot follow this failover. "
                        + "List every node of the primary/replica set in the connection string (host1:6379,host2:6379), or connect through Sentinel (sentinel1:26379,sentinel2:26379,serviceName=…)";
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // the advice is best effort: the plain reason still tells the user the cache is read-only
        }

        return ConnectedToReplica;
    }

    private static string Format(EndPoint endpoint) => endpoint switch
    {
        IPEndPoint ip => ip.Address + ":" + ip.Port.ToString(CultureInfo.InvariantCulture),
        DnsEndPoint dns => dns.Host + ":" + dns.Port.ToString(CultureInfo.InvariantCulture),
        _ => endpoint.ToString() ?? string.Empty,
    };
}
