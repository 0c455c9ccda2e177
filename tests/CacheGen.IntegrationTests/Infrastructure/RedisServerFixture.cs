using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace CacheGen.IntegrationTests.Infrastructure;

/// <summary>
/// A real Redis for a test or a collection: a <c>redis-server</c> child process on a free loopback port in
/// 6500–6599, without persistence, owned (and reaped) by this object; or the server named by
/// <c>CACHEGEN_TEST_REDIS</c> (<c>host:port</c>), which is shared and so can never be stopped or frozen.
/// </summary>
/// <remarks>
/// Without <c>redis-server</c> on the PATH, tests marked <see cref="RedisFactAttribute"/> are skipped, unless
/// <c>CI=true</c>: then this fixture throws, so a green CI always means the Redis tests ran.
/// </remarks>
public sealed class RedisServerFixture : IDisposable
{
    /// <summary>The environment variable naming an external server (<c>host:port</c>).</summary>
    public const string ExternalServerVariable = "CACHEGEN_TEST_REDIS";

    private const int FirstPort = 6500;
    private const int LastPort = 6599;
    private const int SigCont = 18;
    private const int SigStop = 19;

    private static readonly string? s_serverPath = FindOnPath("redis-server");
    private static readonly ConcurrentDictionary<int, Process> s_live = new();
    private static readonly HashSet<int> s_reservedPorts = [];

    /// <summary>
    /// The lock files that reserve this process's ports against other test processes on the machine (another worktree's
    /// run, another test assembly): a server stopped for a restart leaves its port free for seconds, and a fixture in
    /// another process took it once (the restart then failed: "Port 6541 is served by another redis-server").
    /// </summary>
    private static readonly Dictionary<int, FileStream> s_portLocks = [];
    private static readonly string s_portLockDir = Path.Combine(Path.GetTempPath(), "cachegen-redis-ports");
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(15);

    private readonly string[] _extraArgs;
    private readonly string? _configText;
    private readonly string? _dir;
    private readonly StringBuilder _output = new();
    private readonly string? _unavailableReason;
    private Process? _process;
    private int _port;
    private bool _disposed;

    static RedisServerFixture() => AppDomain.CurrentDomain.ProcessExit += static (_, _) => KillAll();

    /// <summary>
    /// Starts a plain <c>redis-server</c>, or connects to <c>CACHEGEN_TEST_REDIS</c> when it is set.
    /// This is the constructor xunit uses for a collection fixture.
    /// </summary>
    public RedisServerFixture()
        : this([], allowExternal: true)
    {
    }

    private RedisServerFixture(string[] extraArgs, bool allowExternal, string? configText = null)
    {
        _extraArgs = extraArgs;
        _configText = configText;
        int passwordAt = Array.IndexOf(extraArgs, "--requirepass");
        Password = passwordAt >= 0 && passwordAt + 1 < extraArgs.Length ? extraArgs[passwordAt + 1] : null;

        string? external = Environment.GetEnvironmentVariable(ExternalServerVariable);
        if (allowExternal && !string.IsNullOrWhiteSpace(external))
        {
            (Host, _port) = ParseEndpoint(external);
            IsExternal = true;
            WaitForPing(TimeSpan.FromSeconds(5), expectedPid: null);
            return;
        }

        Host = "127.0.0.1";
        if (s_serverPath is null)
        {
            string missing = "redis-server is not on the PATH (apt-get install redis-server)";
            if (IsCi)
            {
                throw new InvalidOperationException(missing + ". CI=true, so the Redis tests fail rather than skip.");
            }

            if (!string.IsNullOrWhiteSpace(external))
            {
                throw new InvalidOperationException(missing + $", and this test needs a server of its own ({string.Join(' ', extraArgs)}), which {ExternalServerVariable} cannot provide.");
            }

            // RedisFactAttribute skips every test in this case; the fixture only has to stay out of the way
            _unavailableReason = missing;
            return;
        }

        _dir = Directory.CreateTempSubdirectory("cachegen-redis-").FullName;
        try
        {
            StartOnFreePort();
        }
        catch
        {
            Directory.Delete(_dir, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// Gets why Redis tests are skipped here, or <see langword="null"/> when they run: <c>redis-server</c> is on
    /// the PATH, or <c>CACHEGEN_TEST_REDIS</c> is set, or <c>CI=true</c> (where a missing server fails the tests).
    /// </summary>
    public static string? SkipReason =>
        s_serverPath is null && !IsCi && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(ExternalServerVariable))
            ? "redis-server is not on the PATH and CACHEGEN_TEST_REDIS is not set (with CI=true this is a failure, not a skip)"
            : null;

    /// <summary>Gets the host to connect to.</summary>
    public string Host { get; }

    /// <summary>Gets the port to connect to.</summary>
    public int Port => _unavailableReason is null ? _port : throw new InvalidOperationException(_unavailableReason);

    /// <summary>Gets <c>host:port</c>, for <c>RedisConnectionSettings.Parse</c>.</summary>
    public string Configuration => Host + ":" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Gets the endpoint, for a <see cref="ChaosProxy"/>.</summary>
    public IPEndPoint EndPoint => new(IPAddress.TryParse(Host, out var address) ? address : Dns.GetHostAddresses(Host)[0], Port);

    /// <summary>Gets the <c>--requirepass</c> this server was started with.</summary>
    public string? Password { get; }

    /// <summary>Gets whether this is the shared <c>CACHEGEN_TEST_REDIS</c> server, which must not be stopped or frozen.</summary>
    public bool IsExternal { get; }

    /// <summary>Gets the PID of the owned server process.</summary>
    public int ProcessId => RequireOwned("ProcessId").Id;

    /// <summary>Gets the output and log of the owned server, for failure messages.</summary>
    public string Log
    {
        get
        {
            string log = _dir is not null && File.Exists(LogPath) ? File.ReadAllText(LogPath) : string.Empty;
            lock (_output)
            {
                return _output + log;
            }
        }
    }

    private static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    private string LogPath => Path.Combine(_dir!, "redis.log");

    /// <summary>
    /// Starts a server of its own with extra arguments (<c>--requirepass s3cret</c>, <c>--replicaof 127.0.0.1 6501</c>).
    /// <c>CACHEGEN_TEST_REDIS</c> cannot be reconfigured, so this always needs <c>redis-server</c> on the PATH.
    /// </summary>
    public static RedisServerFixture Start(params string[] extraArgs) => new(extraArgs, allowExternal: false);

    /// <summary>
    /// Starts a server of its own from a configuration file with <paramref name="configText"/> (written once into the
    /// server's directory, where the server may rewrite it, as a Sentinel does), then the extra arguments
    /// (<c>--sentinel</c>).
    /// </summary>
    public static RedisServerFixture StartWithConfigFile(string configText, params string[] extraArgs) => new(extraArgs, allowExternal: false, configText);

    /// <summary>Kills the server with SIGKILL and reaps it. Its data is lost; <see cref="Restart"/> brings it back empty on the same port.</summary>
    public void Stop()
    {
        var process = RequireOwned(nameof(Stop));
        KillAndReap(process);
    }

    /// <summary>Starts the server again, empty, on the same port, after <see cref="Stop"/> (or kills it first).</summary>
    public void Restart()
    {
        var process = RequireOwned(nameof(Restart));
        KillAndReap(process);
        process.Dispose();
        if (!TryStartProcess(_port, out string? failure))
        {
            throw new InvalidOperationException($"redis-server did not restart on port {_port}: {failure}");
        }
    }

    /// <summary>Freezes the server with SIGSTOP: connections stay open and nothing answers.</summary>
    public void Freeze()
    {
        var process = RequireOwned(nameof(Freeze));
        Signal(process, SigStop);

        // SIGSTOP is asynchronous: return only once the kernel reports the process stopped
        var deadline = Stopwatch.StartNew();
        while (ProcessState(process.Id) != 'T' && deadline.Elapsed < TimeSpan.FromSeconds(2))
        {
            Thread.Sleep(1);
        }
    }

    /// <summary>Resumes a server frozen by <see cref="Freeze"/> with SIGCONT.</summary>
    public void Thaw()
    {
        var process = RequireOwned(nameof(Thaw));
        Signal(process, SigCont);
    }

    /// <summary>
    /// Fails a test that disturbs the whole server (<c>CLIENT PAUSE</c>, <c>CONFIG SET</c>, <c>DEBUG SLEEP</c>) when the
    /// server is the shared <c>CACHEGEN_TEST_REDIS</c> one.
    /// </summary>
    /// <param name="what">What the test is about to do, for the message.</param>
    public void EnsureOwned(string what) => RequireOwned(what);

    /// <summary>Sends one command over a fresh connection and returns the reply; error replies are returned, not thrown.</summary>
    public Task<RedisReply> ExecuteAsync(params object[] args) => ExecuteAsync(TimeSpan.FromSeconds(5), args);

    /// <summary>Sends one command with a deadline.</summary>
    public Task<RedisReply> ExecuteAsync(TimeSpan timeout, params object[] args) =>
        RespConnection.ExecuteAsync(Host, Port, Password, timeout, args);

    /// <summary>Runs a command and returns the reply as <c>redis-cli</c> would print it.</summary>
    public async Task<string> RunAsync(params object[] args) => (await ExecuteAsync(args)).ToString();

    /// <summary>Returns <c>PTTL key</c>: milliseconds left, -1 without expiry, -2 when absent.</summary>
    public async Task<long> PttlAsync(string key) => (await ExecuteAsync("PTTL", key)).EnsureSuccess().Integer;

    /// <summary>Returns whether <paramref name="key"/> exists.</summary>
    public async Task<bool> ExistsAsync(string key) => (await ExecuteAsync("EXISTS", key)).EnsureSuccess().Integer == 1;

    /// <summary>Returns the raw bytes under <paramref name="key"/>, or <see langword="null"/>.</summary>
    public async Task<byte[]?> GetBytesAsync(string key) => (await ExecuteAsync("GET", key)).EnsureSuccess().Bytes;

    /// <summary>Writes raw bytes under <paramref name="key"/>.</summary>
    public async Task SetBytesAsync(string key, byte[] value) => (await ExecuteAsync("SET", key, value)).EnsureSuccess();

    /// <summary>Returns the <c>calls</c> of every command in <c>INFO commandstats</c>, by lower-case name.</summary>
    public async Task<IReadOnlyDictionary<string, long>> CommandCallsAsync()
    {
        string info = (await ExecuteAsync("INFO", "commandstats")).EnsureSuccess().Text;
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (string line in info.Split("\r\n"))
        {
            // cmdstat_get:calls=12,usec=40,...
            if (line.StartsWith("cmdstat_", StringComparison.Ordinal) && line.IndexOf(':') is int colon and > 0)
            {
                string field = line[(colon + 1)..].Split(',')[0];
                calls[line["cmdstat_".Length..colon]] = long.Parse(field["calls=".Length..], CultureInfo.InvariantCulture);
            }
        }

        return calls;
    }

    /// <summary>Waits until this server, started with <c>--replicaof</c>, reports its link to the primary up.</summary>
    public async Task WaitForReplicationAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            string info = (await ExecuteAsync("INFO", "replication")).EnsureSuccess().Text;
            if (info.Contains("master_link_status:up", StringComparison.Ordinal))
            {
                return;
            }

            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException("The replica did not link to its primary:\n" + info);
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Kills the owned server (even a frozen one), reaps it and deletes its directory.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_process is not null)
        {
            KillAndReap(_process);
            _process.Dispose();
            lock (s_reservedPorts)
            {
                s_reservedPorts.Remove(_port);
                UnlockPort(_port);
            }
        }

        if (_dir is not null)
        {
            try
            {
                Directory.Delete(_dir, recursive: true);
            }
            catch (IOException)
            {
                // a file still being closed by the dying process; the temp dir is cleaned by the OS eventually
            }
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);

    private static void Signal(Process process, int signal)
    {
        if (SysKill(process.Id, signal) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"kill({process.Id}, {signal}) failed");
        }
    }

    private static char ProcessState(int pid)
    {
        try
        {
            // /proc/<pid>/stat: "pid (comm) S ...": the state follows the closing parenthesis
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2];
        }
        catch (IOException)
        {
            return '?';
        }
    }

    private static (string Host, int Port) ParseEndpoint(string value)
    {
        int colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port))
        {
            throw new InvalidOperationException($"{ExternalServerVariable} must be host:port, not '{value}'.");
        }

        return (value[..colon], port);
    }

    private static string? FindOnPath(string name)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static void KillAndReap(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
            // never started, or already reaped
        }

        s_live.TryRemove(new KeyValuePair<int, Process>(process.Id, process));
    }

    private static void KillAll()
    {
        foreach (var process in s_live.Values)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
        }
    }

    private Process RequireOwned(string operation)
    {
        if (IsExternal)
        {
            throw new InvalidOperationException(
                $"{operation} needs a redis-server owned by the test, but {ExternalServerVariable} points to a shared server, which a test must never stop, restart, freeze or pause. Unset {ExternalServerVariable} to run this test.");
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        return _process ?? throw new InvalidOperationException(_unavailableReason ?? "The server was never started.");
    }

    private void StartOnFreePort()
    {
        var failures = new List<string>();
        for (int attempt = 0; attempt < 20; attempt++)
        {
            int port = ReserveFreePort();
            if (TryStartProcess(port, out string? failure))
            {
                _port = port;
                return;
            }

            failures.Add($"{port}: {failure}");
            lock (s_reservedPorts)
            {
                s_reservedPorts.Remove(port);
                UnlockPort(port);
            }
        }

        throw new InvalidOperationException("redis-server could not start on a free port in 6500-6599:\n" + string.Join("\n", failures));
    }

    private static int ReserveFreePort()
    {
        int offset = Random.Shared.Next(LastPort - FirstPort + 1);
        for (int i = 0; i <= LastPort - FirstPort; i++)
        {
            int port = FirstPort + ((offset + i) % (LastPort - FirstPort + 1));
            lock (s_reservedPorts)
            {
                if (s_reservedPorts.Contains(port) || !TryLockPort(port))
                {
                    continue;
                }

                if (!IsFree(port))
                {
                    UnlockPort(port);
                    continue;
                }

                s_reservedPorts.Add(port);
                return port;
            }
        }

        throw new InvalidOperationException("No free port in 6500-6599 on 127.0.0.1.");
    }

    /// <summary>
    /// Takes the machine-wide lock of <paramref name="port"/>: a file opened without sharing, which .NET holds with an
    /// exclusive <c>flock</c> on Unix, released when this process closes it or dies. Callers hold <see cref="s_reservedPorts"/>.
    /// </summary>
    private static bool TryLockPort(int port)
    {
        try
        {
            Directory.CreateDirectory(s_portLockDir);
            var lockFile = new FileStream(Path.Combine(s_portLockDir, port.ToString(CultureInfo.InvariantCulture) + ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            s_portLocks[port] = lockFile;
            return true;
        }
        catch (IOException)
        {
            return false; // another test process holds this port
        }
        catch (UnauthorizedAccessException)
        {
            return false; // a lock file of another user: not ours to take
        }
    }

    private static void UnlockPort(int port)
    {
        if (s_portLocks.Remove(port, out var lockFile))
        {
            lockFile.Dispose();
        }
    }

    private static bool IsFree(int port)
    {
        var probe = new TcpListener(IPAddress.Loopback, port);
        try
        {
            probe.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        finally
        {
            probe.Stop();
        }
    }

    private bool TryStartProcess(int port, out string? failure)
    {
        var info = new ProcessStartInfo(s_serverPath!)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _dir,
        };
        if (_configText is not null)
        {
            // redis-server takes a configuration file only as its first argument
            string configFile = Path.Combine(_dir!, "redis.conf");
            if (!File.Exists(configFile))
            {
                File.WriteAllText(configFile, _configText);
            }

            info.ArgumentList.Add(configFile);
        }

        foreach (string arg in (string[])[
            "--bind", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture),
            "--save", string.Empty, "--appendonly", "no", "--dir", _dir!, "--logfile", LogPath,
            "--enable-debug-command", "local", .. _extraArgs])
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        s_live[process.Id] = process;
        _process = process;
        _port = port;
        try
        {
            WaitForPing(s_startTimeout, expectedPid: process.Id);
            failure = null;
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            KillAndReap(process);
            process.Dispose();
            _process = null;
            failure = e.Message;
            return false;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private void WaitForPing(TimeSpan timeout, int? expectedPid)
    {
        var deadline = Stopwatch.StartNew();
        string last = "no reply";
        while (deadline.Elapsed < timeout)
        {
            if (_process is { HasExited: true } exited)
            {
                throw new InvalidOperationException($"redis-server exited with code {exited.ExitCode}:\n{Tail(Log)}");
            }

            try
            {
                // NOAUTH and LOADING replies also prove the server is up; INFO then proves it is ours
                var ping = ExecuteAsync(TimeSpan.FromMilliseconds(500), "PING").GetAwaiter().GetResult();
                if (ping.Kind == RedisReplyKind.Status)
                {
                    if (expectedPid is int pid && !IsProcess(pid))
                    {
                        throw new InvalidOperationException($"Port {_port} is served by another redis-server.");
                    }

                    return;
                }

                last = ping.ToString();
            }
            catch (Exception e) when (e is SocketException or IOException or TimeoutException)
            {
                last = e.Message;
            }

            Thread.Sleep(20);
        }

        throw new TimeoutException($"Redis at {Host}:{_port} did not answer PING within {timeout.TotalSeconds} s (last: {last}).\n{Tail(Log)}");
    }

    private bool IsProcess(int pid)
    {
        string info = ExecuteAsync(TimeSpan.FromSeconds(2), "INFO", "server").GetAwaiter().GetResult().EnsureSuccess().Text;
        return info.Contains("process_id:" + pid.ToString(CultureInfo.InvariantCulture) + "\r\n", StringComparison.Ordinal);
    }

    private static string Tail(string text) => text.Length <= 2000 ? text : text[^2000..];
}
