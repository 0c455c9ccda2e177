namespace CacheGen.IntegrationTests.Infrastructure;

/// <summary>Read-only questions to one server of a topology, shared by the Cluster and Sentinel fixtures and the ACL tests.</summary>
public static class RedisNodeQueries
{
    /// <summary>Returns <c>INFO section</c>, or <see langword="null"/> when the node is down, frozen or answers an error.</summary>
    public static async Task<string?> TryInfoAsync(RedisServerFixture node, string section)
    {
        try
        {
            var reply = await node.ExecuteAsync(TimeSpan.FromSeconds(1), "INFO", section);
            return reply.Kind == RedisReplyKind.Error ? null : reply.Text;
        }
        catch (Exception e) when (e is TimeoutException or System.Net.Sockets.SocketException or IOException or ObjectDisposedException)
        {
            return null;
        }
    }

    /// <summary>Returns the objects (commands or keys) the node's <c>ACL LOG</c> shows as denied, read as <paramref name="user"/>.</summary>
    public static async Task<List<string>> DeniedAsync(RedisServerFixture node, string user, string password)
    {
        var log = (await RespConnection.ExecuteAsync(node.Host, node.Port, user, password, TimeSpan.FromSeconds(5), "ACL", "LOG")).EnsureSuccess();
        var denied = new List<string>();
        foreach (var entry in log.Items!)
        {
            var fields = entry.Items!;
            for (int i = 0; i + 1 < fields.Count; i += 2)
            {
                if (fields[i].Text == "object")
                {
                    denied.Add(fields[i + 1].Text);
                }
            }
        }

        return denied;
    }
}
