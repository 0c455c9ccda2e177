namespace CacheGen.Sample;

/// <summary>The host and port of a Redis setting, without its password, for printing; and a way to point it elsewhere.</summary>
public static class RedisEndpoint
{
    /// <summary>Returns <c>host:port</c> of the first endpoint of a connection string or <c>redis://</c> URL.</summary>
    public static string Describe(string redis)
    {
        var (host, port) = Parse(redis);
        return host + ":" + port;
    }

    /// <summary>Returns the first endpoint of a connection string (<c>host:port,…</c>) or a <c>redis://</c>/<c>rediss://</c> URL.</summary>
    public static (string Host, int Port) Parse(string redis)
    {
        if (Uri.TryCreate(redis, UriKind.Absolute, out var uri) && uri.Scheme is "redis" or "rediss")
        {
            return (uri.Host, uri.Port > 0 ? uri.Port : 6379);
        }

        string first = redis.Split(',', 2)[0].Trim();
        int colon = first.LastIndexOf(':');
        return colon > 0 && int.TryParse(first[(colon + 1)..], out int port) ? (first[..colon], port) : (first, 6379);
    }

    /// <summary>Returns <paramref name="redis"/> with its first endpoint replaced by <paramref name="host"/>:<paramref name="port"/>.</summary>
    public static string Redirect(string redis, string host, int port)
    {
        if (Uri.TryCreate(redis, UriKind.Absolute, out var uri) && uri.Scheme is "redis" or "rediss")
        {
            return new UriBuilder(uri) { Host = host, Port = port }.Uri.ToString();
        }

        string[] parts = redis.Split(',', 2);
        return host + ":" + port + (parts.Length > 1 ? "," + parts[1] : string.Empty);
    }
}
