using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace CacheGen.Internal;

/// <summary>
/// The bytes stored under a key. A fixed 19-byte header (<c>"CG"</c>, kind, 16-byte random write token) that
/// conditional writes compare, then for an entry: format version, creation time, the full key (so a payload
/// copied to another key is refused), the schema fingerprint, the namespace and tag stamps seen before the
/// value was computed, and the length-checked payload.
/// </summary>
internal static class Envelope
{
    public const int HeaderLength = 19;
    public const byte FormatVersion = 1;
    private const byte KindEntry = 1;
    private const byte KindTombstone = 2;

    public static byte[] NewTombstone()
    {
        var bytes = new byte[HeaderLength];
        WriteHeader(bytes, KindTombstone);
        return bytes;
    }

    public static byte[] Write(string key, string fingerprint, long createdUnixMs, string? namespaceStamp, string[]? tags, string?[] tagStamps, ReadOnlySpan<byte> payload)
    {
        int length = HeaderLength + 1 + 8 + StrLen(key) + StrLen(fingerprint) + StrLen(namespaceStamp) + 4 + 4 + payload.Length;
        for (int i = 0; i < (tags?.Length ?? 0); i++)
        {
            length += StrLen(tags![i]) + StrLen(tagStamps[i]);
        }

        var bytes = new byte[length];
        WriteHeader(bytes, KindEntry);
        int p = HeaderLength;
        bytes[p++] = FormatVersion;
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(p), createdUnixMs);
        p += 8;
        p = WriteStr(bytes, p, key);
        p = WriteStr(bytes, p, fingerprint);
        p = WriteStr(bytes, p, namespaceStamp);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(p), tags?.Length ?? 0);
        p += 4;
        for (int i = 0; i < (tags?.Length ?? 0); i++)
        {
            p = WriteStr(bytes, p, tags![i]);
            p = WriteStr(bytes, p, tagStamps[i]);
        }

        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(p), payload.Length);
        p += 4;
        payload.CopyTo(bytes.AsSpan(p));
        return bytes;
    }

    /// <summary>Reads an entry. Returns false with a reason for anything that is not a well-formed entry of this key.</summary>
    public static bool TryRead(byte[] bytes, string key, out EnvelopeEntry entry, out string reason)
    {
        entry = default;
        try
        {
            if (bytes.Length < HeaderLength || bytes[0] != (byte)'C' || bytes[1] != (byte)'G')
            {
                reason = "not a CacheGen entry";
                return false;
            }

            if (bytes[2] == KindTombstone)
            {
                reason = "tombstone";
                return false;
            }

            ReadOnlySpan<byte> s = bytes;
            int p = HeaderLength;
            if (bytes[2] != KindEntry || s[p++] != FormatVersion)
            {
                reason = "unknown format version";
                return false;
            }

            long created = BinaryPrimitives.ReadInt64LittleEndian(s[p..]);
            p += 8;
            string? storedKey = ReadStr(s, ref p);
            if (!string.Equals(storedKey, key, StringComparison.Ordinal))
            {
                reason = "entry belongs to another key";
                return false;
            }

            string? fingerprint = ReadStr(s, ref p);
            string? nsStamp = ReadStr(s, ref p);
            int tagCount = BinaryPrimitives.ReadInt32LittleEndian(s[p..]);
            p += 4;
            if (tagCount < 0 || tagCount > 1024)
            {
                reason = "malformed tags";
                return false;
            }

            var tags = new (string? Tag, string? Stamp)[tagCount];
            for (int i = 0; i < tagCount; i++)
            {
                tags[i] = (ReadStr(s, ref p), ReadStr(s, ref p));
            }

            int payloadLength = BinaryPrimitives.ReadInt32LittleEndian(s[p..]);
            p += 4;
            if (payloadLength < 0 || p + payloadLength != bytes.Length)
            {
                reason = "payload length mismatch";
                return false;
            }

            entry = new EnvelopeEntry(created, fingerprint ?? string.Empty, nsStamp, tags, new ReadOnlyMemory<byte>(bytes, p, payloadLength));
            reason = string.Empty;
            return true;
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException or DecoderFallbackException)
        {
            reason = "truncated entry";
            return false;
        }
    }

    /// <summary>
    /// Whether <paramref name="bytes"/> is a well-formed entry of <paramref name="key"/> with this schema fingerprint,
    /// written under the stamps of <paramref name="reply"/> (the epoch at 1, the namespace stamp at 2, then one per tag)
    /// with these <paramref name="tags"/>: the hit path's check, made on the bytes in place. False for anything else,
    /// which <see cref="TryRead"/> then looks at.
    /// </summary>
    public static bool TryMatch(byte[] bytes, string key, string fingerprint, RedisValue[] reply, string[]? tags, out long createdUnixMs, out int payloadStart)
    {
        payloadStart = 0;
        if (!MatchHead(bytes, key, fingerprint, out createdUnixMs, out int p, out var scope))
        {
            return false;
        }

        // the scope stamp is "{epoch}/{namespace stamp}" (KeyLayout.ScopeStamp)
        ReadOnlySpan<byte> s = bytes;
        ReadOnlySpan<byte> epoch = ((ReadOnlyMemory<byte>)reply[1]).Span;
        ReadOnlySpan<byte> nsStamp = ((ReadOnlyMemory<byte>)reply[2]).Span;
        if (scope.Length != epoch.Length + 1 + nsStamp.Length || !scope[..epoch.Length].SequenceEqual(epoch)
            || scope[epoch.Length] != (byte)'/' || !scope[(epoch.Length + 1)..].SequenceEqual(nsStamp))
        {
            return false;
        }

        int tagCount = tags?.Length ?? 0;
        if (s.Length - p < 4 || BinaryPrimitives.ReadInt32LittleEndian(s[p..]) != tagCount || reply.Length != 3 + tagCount)
        {
            return false;
        }

        p += 4;
        for (int i = 0; i < tagCount; i++)
        {
            if (!NextField(s, ref p, out var tag) || !Utf8Equals(tag, tags![i])
                || !NextField(s, ref p, out var stamp) || !stamp.SequenceEqual(((ReadOnlyMemory<byte>)reply[3 + i]).Span))
            {
                return false;
            }
        }

        return MatchPayload(s, p, out payloadStart);
    }

    /// <summary>
    /// As <see cref="TryMatch(byte[], string, string, RedisValue[], string[], out long, out int)"/>, against the local
    /// copies of the stamps that <see cref="StampTokens.TryGet"/> gave (<paramref name="held"/>: the namespace's copy,
    /// <c>{epoch}/{namespace stamp}</c>, or an array of it and then one copy per tag).
    /// </summary>
    public static bool TryMatch(byte[] bytes, string key, string fingerprint, object held, string[]? tags, out long createdUnixMs, out int payloadStart)
    {
        payloadStart = 0;
        var tokens = held as StampTokens.Token[];
        var scopeStamp = tokens is null ? (StampTokens.Token)held : tokens[0];
        if (!MatchHead(bytes, key, fingerprint, out createdUnixMs, out int p, out var scope) || !scope.SequenceEqual(scopeStamp.Value))
        {
            return false;
        }

        ReadOnlySpan<byte> s = bytes;
        int tagCount = tags?.Length ?? 0;
        if (s.Length - p < 4 || BinaryPrimitives.ReadInt32LittleEndian(s[p..]) != tagCount || (tokens is null ? 0 : tokens.Length - 1) != tagCount)
        {
            return false;
        }

        p += 4;
        for (int i = 0; i < tagCount; i++)
        {
            if (!NextField(s, ref p, out var tag) || !Utf8Equals(tag, tags![i])
                || !NextField(s, ref p, out var stamp) || !stamp.SequenceEqual(tokens![1 + i].Value))
            {
                return false;
            }
        }

        return MatchPayload(s, p, out payloadStart);
    }

    /// <summary>The header, key, fingerprint and the recorded scope stamp of an entry; false for anything else.</summary>
    private static bool MatchHead(byte[] bytes, string key, string fingerprint, out long createdUnixMs, out int p, out ReadOnlySpan<byte> scope)
    {
        createdUnixMs = 0;
        scope = default;
        ReadOnlySpan<byte> s = bytes;
        p = HeaderLength;
        if (s.Length < HeaderLength + 1 + 8 || s[0] != (byte)'C' || s[1] != (byte)'G' || s[2] != KindEntry || s[p++] != FormatVersion)
        {
            return false;
        }

        createdUnixMs = BinaryPrimitives.ReadInt64LittleEndian(s[p..]);
        p += 8;
        return NextField(s, ref p, out var storedKey) && Utf8Equals(storedKey, key)
            && NextField(s, ref p, out var storedFingerprint) && Utf8Equals(storedFingerprint, fingerprint)
            && NextField(s, ref p, out scope);
    }

    /// <summary>The payload's length field: the payload runs exactly to the end.</summary>
    private static bool MatchPayload(ReadOnlySpan<byte> s, int p, out int payloadStart)
    {
        payloadStart = 0;
        if (s.Length - p < 4)
        {
            return false;
        }

        int payloadLength = BinaryPrimitives.ReadInt32LittleEndian(s[p..]);
        p += 4;
        payloadStart = p;
        return payloadLength >= 0 && payloadLength == s.Length - p;
    }

    /// <summary>The next length-prefixed field; false when it is null (length -1) or runs past the end.</summary>
    private static bool NextField(ReadOnlySpan<byte> s, scoped ref int p, out ReadOnlySpan<byte> field)
    {
        field = default;
        if (s.Length - p < 4)
        {
            return false;
        }

        int n = BinaryPrimitives.ReadInt32LittleEndian(s[p..]);
        p += 4;
        if (n < 0 || n > s.Length - p)
        {
            return false;
        }

        field = s.Slice(p, n);
        p += n;
        return true;
    }

    /// <summary>Whether <paramref name="utf8"/> is the UTF-8 encoding of <paramref name="value"/>, without decoding it.</summary>
    private static bool Utf8Equals(ReadOnlySpan<byte> utf8, string value)
    {
        if (utf8.Length == value.Length)
        {
            // as many bytes as chars: equal only if every char is ASCII and the same
            for (int i = 0; i < value.Length; i++)
            {
                if (value[i] != utf8[i] || value[i] >= 0x80)
                {
                    return false;
                }
            }

            return true;
        }

        if (utf8.Length < value.Length || Encoding.UTF8.GetByteCount(value) != utf8.Length)
        {
            return false;
        }

        byte[]? rented = null;
        Span<byte> buffer = utf8.Length <= 256 ? stackalloc byte[256] : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(utf8.Length));
        try
        {
            int written = Encoding.UTF8.GetBytes(value, buffer);
            return buffer[..written].SequenceEqual(utf8);
        }
        finally
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static void WriteHeader(byte[] bytes, byte kind)
    {
        bytes[0] = (byte)'C';
        bytes[1] = (byte)'G';
        bytes[2] = kind;
        RandomNumberGenerator.Fill(bytes.AsSpan(3, 16));
    }

    private static int StrLen(string? s) => 4 + (s is null ? 0 : Encoding.UTF8.GetByteCount(s));

    private static int WriteStr(byte[] bytes, int p, string? s)
    {
        if (s is null)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(p), -1);
            return p + 4;
        }

        int n = Encoding.UTF8.GetBytes(s, bytes.AsSpan(p + 4));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(p), n);
        return p + 4 + n;
    }

    private static string? ReadStr(ReadOnlySpan<byte> s, ref int p)
    {
        int n = BinaryPrimitives.ReadInt32LittleEndian(s[p..]);
        p += 4;
        if (n == -1)
        {
            return null;
        }

        if (n < 0 || n > s.Length - p)
        {
            throw new ArgumentOutOfRangeException(nameof(s), "string length out of range");
        }

        string value = Encoding.UTF8.GetString(s.Slice(p, n));
        p += n;
        return value;
    }
}

/// <summary>A decoded entry.</summary>
internal readonly record struct EnvelopeEntry(long CreatedUnixMs, string Fingerprint, string? NamespaceStamp, (string? Tag, string? Stamp)[] Tags, ReadOnlyMemory<byte> Payload);
