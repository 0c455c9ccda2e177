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

    public static byte[] Serialize<T>(T value, MessagePackSerializerOptions options) => MessagePackSerializer.Serialize(value, options);

    public static T Deserialize<T>(ReadOnlyMemory<byte> payload, MessagePackSerializerOptions options)
    {
        CheckDeclaredLength(payload);
        var reader = new MessagePackReader(payload);
        T value = MessagePackSerializer.Deserialize<T>(ref reader, options);
        if (!reader.End)
        {
            throw new MessagePackSerializationException("Trailing bytes after the value");
        }

        return value;
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
