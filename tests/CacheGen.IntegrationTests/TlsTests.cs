using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CacheGen.IntegrationTests.Infrastructure;

namespace CacheGen.IntegrationTests;

/// <summary>
/// docs/design.md S10 against a real TLS redis-server: a pinned private CA connects; a wrong CA or a host name the
/// certificate does not carry never connects, and calls are still served, uncached.
/// </summary>
public sealed class TlsTests
{
    private static readonly CachedMethod s_method = new("tls", "Tls.Get", 60, "fp-tls");

    [RedisFact]
    public async Task Rediss_WithThePinnedCa_ConnectsAndCaches()
    {
        using var lab = TlsLab.Create();
        using var server = lab.StartServer();
        // a generous operation timeout, so the miss returns once its write-back landed and the second call is a hit by construction
        using var cache = await TestCache.CreateAsync($"rediss://localhost:{lab.TlsPort}", o => { o.TlsCaCertificatePath = lab.CaPath; o.OperationTimeoutMs = 5000; });

        int calls = 0;
        Assert.Equal(1, await cache.GetAsync(s_method, "k", () => ++calls));
        Assert.Equal(1, await cache.GetAsync(s_method, "k", () => ++calls));

        Assert.Equal(1, calls);
        Assert.Equal(1, cache.Client.GetStatistics().Hits);
        Assert.True(await lab.TlsClientsAsync(server) > 0);
    }

    [RedisFact]
    public async Task Rediss_WithAnotherCa_NeverConnects_AndCallsAreServedUncached()
    {
        using var lab = TlsLab.Create();
        using var server = lab.StartServer();
        using var cache = await TestCache.CreateAsync($"rediss://localhost:{lab.TlsPort}", o => o.TlsCaCertificatePath = lab.OtherCaPath, connect: false);

        int calls = 0;
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(i + 1, await cache.GetAsync(s_method, "k", () => ++calls));
        }

        Assert.Equal(0, cache.Client.GetStatistics().Hits);
        Assert.True(cache.Client.GetStatistics().Errors > 0);
        Assert.Equal(0, await lab.TlsClientsAsync(server));
        Assert.False((await cache.Store.GetConnectionAsync(CancellationToken.None)).IsConnected);
    }

    [RedisFact]
    public async Task Rediss_ToAHostTheCertificateDoesNotName_NeverConnects()
    {
        // a certificate from the pinned CA, issued for another host: the chain is good, the name is not
        using var lab = TlsLab.Create();
        using var server = lab.StartServer(certificate: "elsewhere");
        using var cache = await TestCache.CreateAsync($"rediss://localhost:{lab.TlsPort}", o => o.TlsCaCertificatePath = lab.CaPath, connect: false);

        int calls = 0;
        for (int i = 0; i < 3; i++)
        {
            await cache.GetAsync(s_method, "k", () => ++calls);
        }

        Assert.Equal(3, calls);
        Assert.Equal(0, cache.Client.GetStatistics().Hits);
        Assert.Equal(0, await lab.TlsClientsAsync(server));
        Assert.False((await cache.Store.GetConnectionAsync(CancellationToken.None)).IsConnected);
    }

    [Fact]
    public void UnreadableCaFile_TurnsTheCacheOff_NotTheVerification()
    {
        var options = new CacheGenOptions { TlsCaCertificatePath = "/nonexistent/ca.crt" };
        var error = Assert.Throws<FormatException>(() => CacheGen.Stores.RedisConnectionSettings.Parse("rediss://localhost:6380", options));
        Assert.Contains("could not be read", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A CA, server certificates signed by it for localhost/127.0.0.1 and for another host, and an unrelated CA, made with openssl.</summary>
    private sealed class TlsLab : IDisposable
    {
        private readonly string _dir;

        private TlsLab(string dir, int tlsPort)
        {
            _dir = dir;
            TlsPort = tlsPort;
        }

        public int TlsPort { get; }

        public string CaPath => Path.Combine(_dir, "ca.crt");

        public string OtherCaPath => Path.Combine(_dir, "other-ca.crt");

        public static TlsLab Create()
        {
            string dir = Path.Combine(Path.GetTempPath(), "cachegen-tls-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
            OpenSsl(dir, "req -x509 -new -nodes -newkey rsa:2048 -keyout ca.key -out ca.crt -days 2 -subj /CN=cachegen-test-ca");
            OpenSsl(dir, "req -new -nodes -newkey rsa:2048 -keyout redis.key -out redis.csr -subj /CN=localhost");
            OpenSsl(dir, "x509 -req -in redis.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out redis.crt -days 2 -extfile san.ext");
            OpenSsl(dir, "req -x509 -new -nodes -newkey rsa:2048 -keyout other.key -out other-ca.crt -days 2 -subj /CN=other-ca");
            File.WriteAllText(Path.Combine(dir, "elsewhere.ext"), "subjectAltName=DNS:elsewhere.example\n");
            OpenSsl(dir, "req -new -nodes -newkey rsa:2048 -keyout elsewhere.key -out elsewhere.csr -subj /CN=elsewhere.example");
            OpenSsl(dir, "x509 -req -in elsewhere.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out elsewhere.crt -days 2 -extfile elsewhere.ext");
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return new TlsLab(dir, ((IPEndPoint)listener.LocalEndpoint).Port);
        }

        public RedisServerFixture StartServer(string certificate = "redis")
        {
            string[] tls =
            [
                "--tls-port", TlsPort.ToString(CultureInfo.InvariantCulture),
                "--tls-cert-file", Path.Combine(_dir, certificate + ".crt"),
                "--tls-key-file", Path.Combine(_dir, certificate + ".key"),
                "--tls-ca-cert-file", CaPath,
                "--tls-auth-clients", "no",
            ];
            return RedisServerFixture.Start(tls);
        }

        /// <summary>
        /// Clients on the TLS port that have run a command, counted over the fixture's plaintext port. A connection
        /// still in its TLS handshake is listed too, with <c>cmd=NULL</c>: it has not connected in any useful sense.
        /// </summary>
        public async Task<int> TlsClientsAsync(RedisServerFixture server)
        {
            string list = await server.RunAsync("CLIENT", "LIST");
            return list.Split('\n').Count(line =>
            {
                var fields = line.Split(' ').Select(f => f.Split('=', 2)).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1]);
                return fields.TryGetValue("laddr", out var laddr) && laddr.EndsWith($":{TlsPort}", StringComparison.Ordinal)
                    && fields.TryGetValue("cmd", out var cmd) && cmd != "NULL";
            });
        }

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        private static void OpenSsl(string dir, string arguments)
        {
            var start = new ProcessStartInfo("openssl", arguments) { WorkingDirectory = dir, RedirectStandardError = true, RedirectStandardOutput = true };
            using var process = Process.Start(start)!;
            string error = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"openssl {arguments} failed: {error}");
        }
    }
}
