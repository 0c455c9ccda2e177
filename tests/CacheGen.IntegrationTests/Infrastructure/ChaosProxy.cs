using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace CacheGen.IntegrationTests.Infrastructure;

/// <summary>
/// A loopback TCP proxy between a client and Redis that can delay, blackhole or reset the link (docs/design.md,
/// "Redis facts the tests rely on"): <c>tc netem</c> is not available here. It listens on 127.0.0.1 only and forwards only to a
/// loopback address.
/// </summary>
public sealed class ChaosProxy : IDisposable
{
    private readonly IPEndPoint _target;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Link, byte> _links = new();
    private readonly Task _acceptLoop;
    private volatile ChaosMode _mode;
    private int _accepted;
    private int _reset;

    /// <summary>Starts a proxy to <paramref name="target"/> in <see cref="ChaosMode.Pass"/> mode.</summary>
    /// <exception cref="ArgumentException"><paramref name="target"/> is not a loopback address.</exception>
    public ChaosProxy(IPEndPoint target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (!IPAddress.IsLoopback(target.Address))
        {
            throw new ArgumentException("The chaos proxy forwards to loopback addresses only.", nameof(target));
        }

        _target = target;
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>Gets the port clients connect to.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Gets <c>127.0.0.1:port</c>, for <c>RedisConnectionSettings.Parse</c>.</summary>
    public string Configuration => "127.0.0.1:" + Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Gets or sets the delay per chunk and direction in <see cref="ChaosMode.Delay"/>, in milliseconds.</summary>
    public int DelayMs { get; set; } = 250;

    /// <summary>Gets how many client connections were accepted.</summary>
    public int AcceptedConnections => Volatile.Read(ref _accepted);

    /// <summary>Gets how many connections were reset.</summary>
    public int ResetConnections => Volatile.Read(ref _reset);

    /// <summary>
    /// Gets or sets the mode. Setting <see cref="ChaosMode.Reset"/> resets every open connection. Leaving
    /// <see cref="ChaosMode.Blackhole"/> resets the connections that lost bytes: a TCP stream with a hole in it
    /// cannot carry on (the client would match replies to the wrong commands), just as a real partition ends
    /// with the peers' retransmissions timing out.
    /// </summary>
    public ChaosMode Mode
    {
        get => _mode;
        set
        {
            _mode = value;
            foreach (var link in _links.Keys)
            {
                if (value == ChaosMode.Reset || (value != ChaosMode.Blackhole && link.LostBytes))
                {
                    ResetLink(link);
                }
            }
        }
    }

    /// <summary>Stops listening and closes every connection.</summary>
    public void Dispose()
    {
        _stopping.Cancel();
        _listener.Stop();
        foreach (var link in _links.Keys)
        {
            link.Dispose();
        }

        try
        {
            _acceptLoop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // the loop ends with the listener's exception; it has nothing left to report
        }

        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            _ = HandleAsync(client);
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        var link = new Link(client);
        if (_mode == ChaosMode.Reset)
        {
            ResetLink(link);
            return;
        }

        _links[link] = 0;
        try
        {
            await link.Upstream.ConnectAsync(_target, _stopping.Token);
            var downstream = client.GetStream();
            var upstream = link.Upstream.GetStream();

            // when either side closes or fails, the other is closed too
            await Task.WhenAny(PumpAsync(link, downstream, upstream), PumpAsync(link, upstream, downstream));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            // the server is down or the proxy is stopping: the client sees its connection close
        }
        finally
        {
            _links.TryRemove(link, out _);
            link.Dispose();
        }
    }

    private async Task PumpAsync(Link link, NetworkStream from, NetworkStream to)
    {
        var buffer = new byte[81920];
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer, _stopping.Token)) > 0)
            {
                switch (_mode)
                {
                    case ChaosMode.Blackhole:
                        link.LostBytes = true;
                        continue;
                    case ChaosMode.Delay:
                        await Task.Delay(DelayMs, _stopping.Token);
                        break;
                    case ChaosMode.Reset:
                        ResetLink(link);
                        return;
                }

                await to.WriteAsync(buffer.AsMemory(0, n), _stopping.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            // one side went away; HandleAsync closes the other
        }
    }

    private void ResetLink(Link link)
    {
        Interlocked.Increment(ref _reset);
        link.Reset();
    }

    /// <summary>One proxied connection: the accepted client and the connection to the server.</summary>
    private sealed class Link(TcpClient client) : IDisposable
    {
        private volatile bool _lostBytes;

        public TcpClient Client { get; } = client;

        public TcpClient Upstream { get; } = new() { NoDelay = true };

        /// <summary>Gets or sets whether a blackhole dropped bytes of this connection.</summary>
        public bool LostBytes
        {
            get => _lostBytes;
            set => _lostBytes = value;
        }

        /// <summary>Closes both sockets with a zero linger time, so the peers get an RST instead of a FIN.</summary>
        public void Reset()
        {
            foreach (var tcp in (TcpClient[])[Client, Upstream])
            {
                try
                {
                    // a link whose pump already ended may be disposed while still listed: its Client is null then
                    if (tcp.Client is { } socket)
                    {
                        socket.LingerState = new LingerOption(true, 0);
                    }
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    // already closed
                }
            }

            Dispose();
        }

        public void Dispose()
        {
            Client.Dispose();
            Upstream.Dispose();
        }
    }
}
