using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace CacheGen.IntegrationTests.Infrastructure;

/// <summary>
/// A minimal RESP2 client for test assertions: one short-lived connection per command, binary-safe, bounded
/// by a deadline. It deliberately shares nothing with StackExchange.Redis, so it sees the server as it is.
/// </summary>
public static class RespConnection
{
    /// <summary>Sends one command and reads its reply. Error replies are returned, not thrown.</summary>
    /// <param name="host">The server's host.</param>
    /// <param name="port">The server's port.</param>
    /// <param name="password">Sent with <c>AUTH</c> first when set.</param>
    /// <param name="timeout">The deadline for connecting, sending and reading.</param>
    /// <param name="args">The command and its arguments: strings, byte arrays, or numbers (written invariantly).</param>
    /// <exception cref="TimeoutException">The server did not answer in time (it may be frozen).</exception>
    public static Task<RedisReply> ExecuteAsync(string host, int port, string? password, TimeSpan timeout, params object[] args) =>
        ExecuteAsync(host, port, user: null, password, timeout, args);

    /// <summary>Sends one command as an ACL user (<c>AUTH user password</c>) and reads its reply.</summary>
    /// <param name="host">The server's host.</param>
    /// <param name="port">The server's port.</param>
    /// <param name="user">The ACL user, or <see langword="null"/> for the default user.</param>
    /// <param name="password">Sent with <c>AUTH</c> first when set.</param>
    /// <param name="timeout">The deadline for connecting, sending and reading.</param>
    /// <param name="args">The command and its arguments.</param>
    public static async Task<RedisReply> ExecuteAsync(string host, int port, string? user, string? password, TimeSpan timeout, params object[] args)
    {
        ArgumentOutOfRangeException.ThrowIfZero(args.Length);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            using var tcp = new TcpClient { NoDelay = true };
            await tcp.ConnectAsync(host, port, cts.Token);
            var stream = tcp.GetStream();
            var reader = new Reader(stream);
            if (password is not null)
            {
                await WriteAsync(stream, user is null ? ["AUTH", password] : ["AUTH", user, password], cts.Token);
                var auth = await reader.ReadAsync(cts.Token);
                if (auth.Kind == RedisReplyKind.Error)
                {
                    return auth;
                }
            }

            await WriteAsync(stream, args, cts.Token);
            return await reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"Redis at {host}:{port} did not answer '{args[0]}' within {timeout.TotalMilliseconds} ms.");
        }
    }

    private static async Task WriteAsync(NetworkStream stream, object[] args, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        WriteLine(buffer, "*" + args.Length.ToString(CultureInfo.InvariantCulture));
        foreach (object arg in args)
        {
            byte[] bytes = arg switch
            {
                byte[] b => b,
                string s => Encoding.UTF8.GetBytes(s),
                IFormattable f => Encoding.UTF8.GetBytes(f.ToString(null, CultureInfo.InvariantCulture)),
                _ => throw new ArgumentException("Unsupported argument type " + arg.GetType().Name, nameof(args)),
            };
            WriteLine(buffer, "$" + bytes.Length.ToString(CultureInfo.InvariantCulture));
            buffer.Write(bytes);
            buffer.Write("\r\n"u8);
        }

        await stream.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken);
    }

    private static void WriteLine(MemoryStream buffer, string line)
    {
        buffer.Write(Encoding.ASCII.GetBytes(line));
        buffer.Write("\r\n"u8);
    }

    private sealed class Reader(NetworkStream stream)
    {
        private readonly byte[] _buffer = new byte[16 * 1024];
        private int _start;
        private int _end;

        public async Task<RedisReply> ReadAsync(CancellationToken cancellationToken)
        {
            string line = await ReadLineAsync(cancellationToken);
            string rest = line[1..];
            switch (line[0])
            {
                case '+':
                    return new RedisReply(RedisReplyKind.Status, Encoding.UTF8.GetBytes(rest));
                case '-':
                    return new RedisReply(RedisReplyKind.Error, Encoding.UTF8.GetBytes(rest));
                case ':':
                    return new RedisReply(RedisReplyKind.Integer, Integer: long.Parse(rest, CultureInfo.InvariantCulture));
                case '$':
                    int length = int.Parse(rest, CultureInfo.InvariantCulture);
                    if (length < 0)
                    {
                        return new RedisReply(RedisReplyKind.Null);
                    }

                    byte[] bytes = await ReadExactAsync(length + 2, cancellationToken);
                    return new RedisReply(RedisReplyKind.Bulk, bytes[..length]);
                case '*':
                    int count = int.Parse(rest, CultureInfo.InvariantCulture);
                    if (count < 0)
                    {
                        return new RedisReply(RedisReplyKind.Null);
                    }

                    var items = new RedisReply[count];
                    for (int i = 0; i < count; i++)
                    {
                        items[i] = await ReadAsync(cancellationToken);
                    }

                    return new RedisReply(RedisReplyKind.Array, Items: items);
                default:
                    throw new InvalidDataException("Not a RESP2 reply: " + line);
            }
        }

        private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                int crlf = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
                if (crlf >= 0)
                {
                    string line = Encoding.UTF8.GetString(_buffer, _start, crlf);
                    _start += crlf + 2;
                    return line.Length > 0 ? line : throw new InvalidDataException("An empty RESP line.");
                }

                await FillAsync(cancellationToken);
            }
        }

        private async Task<byte[]> ReadExactAsync(int count, CancellationToken cancellationToken)
        {
            var result = new byte[count];
            int copied = 0;
            while (copied < count)
            {
                if (_start == _end)
                {
                    await FillAsync(cancellationToken);
                }

                int n = Math.Min(count - copied, _end - _start);
                Array.Copy(_buffer, _start, result, copied, n);
                _start += n;
                copied += n;
            }

            return result;
        }

        private async Task FillAsync(CancellationToken cancellationToken)
        {
            if (_start > 0)
            {
                Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                throw new InvalidDataException("A RESP line is longer than the read buffer.");
            }

            int n = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (n == 0)
            {
                throw new IOException("Redis closed the connection.");
            }

            _end += n;
        }
    }
}
