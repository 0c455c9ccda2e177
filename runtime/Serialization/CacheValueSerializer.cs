using MessagePack;
using MessagePack.Formatters;

namespace CacheGen.Serialization;

/// <summary>
/// Runs a value's formatter through MessagePack-CSharp: its serializer entry points, its LZ4 block compression
/// (<see cref="MessagePackCompression.Lz4BlockArray"/>) above <see cref="CompressionThreshold"/> bytes, and its
/// untrusted-data security settings. No dynamic resolver is ever consulted: the only formatter is the generated one.
/// </summary>
internal static class CacheValueSerializer
{
    /// <summary>Values whose MessagePack form is at least this long are stored LZ4-compressed.</summary>
    public const int CompressionThreshold = 1024;

    /// <summary>LZ4 cannot expand data more than this; a header that claims more is hostile, refused before allocating.</summary>
    private const long MaxExpansion = 256;

    public static MessagePackSerializerOptions CreateOptions<T>(IMessagePackFormatter<T> formatter) =>
        new MessagePackSerializerOptions(new SingleFormatterResolver<T>(formatter))
            .WithCompression(MessagePackCompression.Lz4BlockArray)
            .WithCompressionMinLength(CompressionThreshold)
            .WithSecurity(MessagePackSecurity.UntrustedData)
            .WithOmitAssemblyVersion(true);

    /// <summary>
    /// The value's MessagePack bytes followed by a second MessagePack object, <c>uint32</c> (always <c>0xce</c> + 4
    /// bytes): the CRC-32C of the value's bytes. A flipped bit reads as a counted miss, never as another value.
    /// </summary>
    public static byte[] Serialize<T>(T value, MessagePackSerializerOptions options)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        MessagePackSerializer.Serialize(buffer, value, options);
        uint crc = Crc32C(buffer.WrittenSpan);
        var writer = new MessagePackWriter(buffer);
        writer.WriteUInt32(crc);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    public static T Deserialize<T>(ReadOnlyMemory<byte> stored, MessagePackSerializerOptions options)
    {
        var span = stored.Span;
        if (span.Length < 6 || span[^5] != 0xce || System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(span[^4..]) != Crc32C(span[..^5]))
        {
            throw new MessagePackSerializationException("Checksum mismatch: the payload is truncated or corrupt");
        }

        var payload = stored[..^5];
        CheckDeclaredLength(payload);
        var reader = new MessagePackReader(payload);
        T value = MessagePackSerializer.Deserialize<T>(ref reader, options);
        if (!reader.End)
        {
            throw new MessagePackSerializationException("Trailing bytes after the value");
        }

        return value;
    }

    private static uint Crc32C(ReadOnlySpan<byte> bytes)
    {
        uint crc = uint.MaxValue;
        while (bytes.Length >= 8)
        {
            crc = System.Numerics.BitOperations.Crc32C(crc, System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes));
            bytes = bytes[8..];
        }

        foreach (byte b in bytes)
        {
            crc = System.Numerics.BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }

    /// <summary>Refuses an LZ4 header that declares more bytes than its compressed blocks can hold.</summary>
    private static void CheckDeclaredLength(ReadOnlyMemory<byte> payload)
    {
        var reader = new MessagePackReader(payload);
        long limit = MaxExpansion * payload.Length;
        if (reader.NextMessagePackType == MessagePackType.Array)
        {
            var peek = reader.CreatePeekReader();
            int count = peek.ReadArrayHeader();
            if (count > 0 && peek.NextMessagePackType == MessagePackType.Extension)
            {
                var header = peek.ReadExtensionFormatHeader();
                if (header.TypeCode == 98)
                {
                    long total = 0;
                    for (int i = 0; i < header.Length / 5 && !peek.End; i++)
                    {
                        total += peek.ReadInt32();
                    }

                    if (total < 0 || total > limit)
                    {
                        throw new MessagePackSerializationException("Compressed value declares an impossible length");
                    }
                }
            }
        }
        else if (reader.NextMessagePackType == MessagePackType.Extension)
        {
            var peek = reader.CreatePeekReader();
            var header = peek.ReadExtensionFormatHeader();
            if (header.TypeCode == 99)
            {
                int declared = peek.ReadInt32();
                if (declared < 0 || declared > limit)
                {
                    throw new MessagePackSerializationException("Compressed value declares an impossible length");
                }
            }
        }
    }

    /// <summary>A resolver that knows one formatter: what the generator emitted for the value type.</summary>
    private sealed class SingleFormatterResolver<T>(IMessagePackFormatter<T> formatter) : IFormatterResolver
    {
        public IMessagePackFormatter<TValue>? GetFormatter<TValue>() => formatter as IMessagePackFormatter<TValue>;
    }
}
