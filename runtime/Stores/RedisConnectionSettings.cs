using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using StackExchange.Redis;

namespace CacheGen.Stores;

/// <summary>Turns <see cref="CacheGenOptions.Redis"/> (a connection string or a <c>redis://</c>/<c>rediss://</c> URL) into StackExchange.Redis options.</summary>
public static class RedisConnectionSettings
{
    /// <summary>Parses <paramref name="connection"/> and applies CacheGen's settings.</summary>
    /// <exception cref="FormatException">The connection is malformed. The message never holds the password.</exception>
    public static ConfigurationOptions Parse(string connection, CacheGenOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connection);
        ArgumentNullException.ThrowIfNull(options);
        ConfigurationOptions config;
        bool explicitConnectTimeout;
        if (connection.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || connection.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase))
        {
            config = ParseUrl(connection);
            explicitConnectTimeout = false;
        }
        else
        {
            try
            {
                config = ConfigurationOptions.Parse(connection);
            }
            catch (ArgumentException)
            {
                // the original message may quote the connection string, password included
                throw new FormatException("The Redis connection string could not be parsed.");
            }

            explicitConnectTimeout = connection.Contains("connectTimeout", StringComparison.OrdinalIgnoreCase);
        }

        if (config.EndPoints.Count == 0)
        {
            throw new FormatException("The Redis connection names no endpoint.");
        }

        // a dead Redis at start-up must not stop the host: connect in the background and keep retrying
        config.AbortOnConnectFail = false;
        if (!explicitConnectTimeout)
        {
            config.ConnectTimeout = options.ConnectTimeoutMs;
        }

        if (!string.IsNullOrEmpty(options.TlsCaCertificatePath))
        {
            var ca = LoadCertificateAuthority(options.TlsCaCertificatePath);
            config.Ssl = true;
            config.CertificateValidation += (_, certificate, _, errors) => ValidateServerCertificate(certificate, errors, ca);
        }

        // StackExchange.Redis's own bound on a command (it checks it about once a second). Callers are bound by the
        // tighter operation timeout; the circuit's background probe waits this long, so a server that wakes up (after
        // DEBUG SLEEP, kill -STOP) closes the circuit with its late reply
        if (!connection.Contains("asyncTimeout", StringComparison.OrdinalIgnoreCase))
        {
            config.AsyncTimeout = Math.Max(options.OperationTimeoutMs, CacheGenDefaults.ProbeTimeoutMs);
        }

        // reconnect on every heartbeat (about once a second) rather than StackExchange.Redis's exponential default,
        // which waited up to 5 s after a 3 s restart: the cache is off for as long as it is disconnected
        config.ReconnectRetryPolicy ??= new LinearRetry(CacheGenDefaults.FirstBreakMs);

        // a cache that cannot reach Redis serves from the source at once: commands are not queued while disconnected
        // (a queued write-back or read would only run after the caller gave up on it)
        config.BacklogPolicy = BacklogPolicy.FailFast;

        // exception messages would otherwise carry the command's key, and keys may hold user data
        config.IncludeDetailInExceptions = false;

        // notice a cluster failover or a promoted replica within seconds rather than the default 60 s (docs/design.md S19)
        config.ConfigCheckSeconds = Math.Min(config.ConfigCheckSeconds, 5);
        return config;
    }

    /// <summary>
    /// Accepts a server certificate only if it chains to <paramref name="ca"/> alone and names the host we asked
    /// for. Never true for a missing certificate or a name mismatch, whatever the chain.
    /// </summary>
    internal static bool ValidateServerCertificate(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2 ca)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var server = new X509Certificate2(certificate);
        return chain.Build(server);
    }

    private static X509Certificate2 LoadCertificateAuthority(string path)
    {
        try
        {
            return X509Certificate2.CreateFromPem(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new FormatException($"The TLS CA certificate '{path}' could not be read: {e.GetType().Name}.");
        }
    }

    /// <summary>Returns the endpoints only, for logs: never the password.</summary>
    public static string Describe(ConfigurationOptions config) =>
        string.Join(",", config.EndPoints.Select(e => e.ToString())) + (config.Ssl ? " (TLS)" : string.Empty);

    private static ConfigurationOptions ParseUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new FormatException("The Redis URL is malformed; expected redis://[:password@]host[:port][/db].");
        }

        var config = new ConfigurationOptions();
        config.EndPoints.Add(uri.Host, uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port);
        if (uri.UserInfo.Length > 0)
        {
            string[] parts = uri.UserInfo.Split(':', 2);
            string user = Uri.UnescapeDataString(parts[0]);
            if (user.Length > 0)
            {
                // an ACL user (Redis 6+): StackExchange.Redis sends AUTH user password
                config.User = user;
            }

            if (parts.Length == 2)
            {
                config.Password = Uri.UnescapeDataString(parts[1]);
            }
        }

        string path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0)
        {
            if (!int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out int db))
            {
                throw new FormatException("The Redis URL's path must be a database number.");
            }

            config.DefaultDatabase = db;
        }

        if (uri.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase))
        {
            config.Ssl = true;
            config.SslHost = uri.Host;
        }

        return config;
    }
}
