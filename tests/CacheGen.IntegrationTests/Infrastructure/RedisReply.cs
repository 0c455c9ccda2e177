using System.Globalization;
using System.Text;

namespace CacheGen.IntegrationTests.Infrastructure;

/// <summary>The kind of a RESP2 reply.</summary>
public enum RedisReplyKind
{
    /// <summary><c>+OK</c>.</summary>
    Status,

    /// <summary><c>-ERR …</c>.</summary>
    Error,

    /// <summary><c>:1</c>.</summary>
    Integer,

    /// <summary><c>$3\r\nabc</c>.</summary>
    Bulk,

    /// <summary><c>*2\r\n…</c>.</summary>
    Array,

    /// <summary><c>$-1</c> or <c>*-1</c>.</summary>
    Null,
}

/// <summary>One reply read by <see cref="RespConnection"/>, binary-safe.</summary>
public sealed record RedisReply(RedisReplyKind Kind, byte[]? Bytes = null, long Integer = 0, IReadOnlyList<RedisReply>? Items = null)
{
    /// <summary>Gets the reply as text: the status or error line, the bulk string as UTF-8, the integer.</summary>
    public string Text => Kind switch
    {
        RedisReplyKind.Integer => Integer.ToString(CultureInfo.InvariantCulture),
        RedisReplyKind.Null => string.Empty,
        RedisReplyKind.Array => string.Join("\n", Items!.Select(i => i.Text)),
        _ => Encoding.UTF8.GetString(Bytes!),
    };

    /// <summary>Throws when the server answered with an error.</summary>
    public RedisReply EnsureSuccess() =>
        Kind == RedisReplyKind.Error ? throw new InvalidOperationException("Redis replied with an error: " + Text) : this;

    /// <summary>Renders the reply the way <c>redis-cli</c> does, for messages.</summary>
    public override string ToString() => Kind switch
    {
        RedisReplyKind.Error => "(error) " + Text,
        RedisReplyKind.Integer => "(integer) " + Text,
        RedisReplyKind.Null => "(nil)",
        RedisReplyKind.Array => string.Join("\n", Items!.Select((item, i) => (i + 1).ToString(CultureInfo.InvariantCulture) + ") " + item)),
        RedisReplyKind.Bulk => "\"" + Text + "\"",
        _ => Text,
    };
}
