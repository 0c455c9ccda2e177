using System.ComponentModel;
using System.Numerics;
using System.Runtime.InteropServices;
using MessagePack;

namespace CacheGen.Serialization;

/// <summary>
/// The wire shapes of the scalars that generated formatters write, over MessagePack-CSharp's writer and reader.
/// Called by generated code only. Each shape is documented in <c>docs/design.md</c> ("Values on the wire") so that
/// another MessagePack implementation can read the bytes; each keeps the value exactly (offsets, kinds, scales).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class CacheValueWire
{
    /// <summary>How deep a value may nest before writing or reading refuses it (a reference cycle, or hostile bytes).</summary>
    public const int MaxDepth = 64;

    /// <summary>Throws when <paramref name="depth"/> exceeds <see cref="MaxDepth"/>.</summary>
    public static void CheckDepth(int depth)
    {
        if (depth > MaxDepth)
        {
            throw new MessagePackSerializationException($"The value nests deeper than {MaxDepth} levels (a reference cycle?)");
        }
    }

    /// <summary>Reads an array header and checks it has exactly <paramref name="count"/> elements.</summary>
    public static void ReadFixedArrayHeader(ref MessagePackReader reader, int count)
    {
        int actual = reader.ReadArrayHeader();
        if (actual != count)
        {
            throw new MessagePackSerializationException($"Expected {count} members, found {actual}");
        }
    }

    /// <summary>Throws for a runtime type the generator did not know (a derived type declared elsewhere).</summary>
    public static Exception UnknownType(Type declared, Type actual) =>
        new MessagePackSerializationException($"'{actual.Name}' is not a type CacheGen knows for '{declared.Name}'; declare it with [JsonDerivedType] on the base or move it into the service's assembly");

    /// <summary>Throws for a union tag that names no known type.</summary>
    public static Exception UnknownTag(int tag) => new MessagePackSerializationException($"Unknown type tag {tag}");

    /// <summary>Writes a <see cref="decimal"/> as 16 bytes (<c>bin 16</c>: lo, mid, hi, flags; little-endian int32s).</summary>
    public static void Write(ref MessagePackWriter writer, decimal value)
    {
        writer.WriteBinHeader(16);
        decimal.GetBits(value, MemoryMarshal.Cast<byte, int>(writer.GetSpan(16)[..16]));
        writer.Advance(16);
    }

    /// <summary>Reads a <see cref="decimal"/>.</summary>
    public static decimal ReadDecimal(ref MessagePackReader reader)
    {
        var bytes = ReadFixedBin(ref reader, 16);
        Span<int> bits = stackalloc int[4];
        bytes.CopyTo(MemoryMarshal.AsBytes(bits));
        return new decimal(bits);
    }

    /// <summary>Writes a <see cref="Guid"/> as <c>bin 16</c> in <see cref="Guid.TryWriteBytes(Span{byte})"/> order.</summary>
    public static void Write(ref MessagePackWriter writer, Guid value)
    {
        writer.WriteBinHeader(16);
        value.TryWriteBytes(writer.GetSpan(16));
        writer.Advance(16);
    }

    /// <summary>Reads a <see cref="Guid"/>.</summary>
    public static Guid ReadGuid(ref MessagePackReader reader) => new(ReadFixedBin(ref reader, 16));

    /// <summary>Writes a <see cref="DateTime"/> as one int64: ticks in the low 62 bits, <see cref="DateTimeKind"/> in the top two.</summary>
    public static void Write(ref MessagePackWriter writer, DateTime value) => writer.Write(value.Ticks | ((long)value.Kind << 62));

    /// <summary>Reads a <see cref="DateTime"/> with its kind.</summary>
    public static DateTime ReadDateTime(ref MessagePackReader reader)
    {
        long data = reader.ReadInt64();
        return new DateTime(data & 0x3FFFFFFFFFFFFFFF, (DateTimeKind)((ulong)data >> 62));
    }

    /// <summary>Writes a <see cref="DateTimeOffset"/> as <c>[clock ticks, offset minutes]</c>.</summary>
    public static void Write(ref MessagePackWriter writer, DateTimeOffset value)
    {
        writer.WriteArrayHeader(2);
        writer.Write(value.Ticks);
        writer.Write((short)value.TotalOffsetMinutes);
    }

    /// <summary>Reads a <see cref="DateTimeOffset"/> with its offset.</summary>
    public static DateTimeOffset ReadDateTimeOffset(ref MessagePackReader reader)
    {
        ReadFixedArrayHeader(ref reader, 2);
        long ticks = reader.ReadInt64();
        short minutes = reader.ReadInt16();
        return new DateTimeOffset(ticks, TimeSpan.FromMinutes(minutes));
    }

    /// <summary>Writes a <see cref="TimeSpan"/> as int64 ticks.</summary>
    public static void Write(ref MessagePackWriter writer, TimeSpan value) => writer.Write(value.Ticks);

    /// <summary>Reads a <see cref="TimeSpan"/>.</summary>
    public static TimeSpan ReadTimeSpan(ref MessagePackReader reader) => new(reader.ReadInt64());

    /// <summary>Writes a <see cref="DateOnly"/> as its int32 day number (days since 0001-01-01).</summary>
    public static void Write(ref MessagePackWriter writer, DateOnly value) => writer.Write(value.DayNumber);

    /// <summary>Reads a <see cref="DateOnly"/>.</summary>
    public static DateOnly ReadDateOnly(ref MessagePackReader reader) => DateOnly.FromDayNumber(reader.ReadInt32());

    /// <summary>Writes a <see cref="TimeOnly"/> as int64 ticks since midnight.</summary>
    public static void Write(ref MessagePackWriter writer, TimeOnly value) => writer.Write(value.Ticks);

    /// <summary>Reads a <see cref="TimeOnly"/>.</summary>
    public static TimeOnly ReadTimeOnly(ref MessagePackReader reader) => new(reader.ReadInt64());

    /// <summary>Writes a <see cref="Half"/> as float32 (exact: every half is a float).</summary>
    public static void Write(ref MessagePackWriter writer, Half value) => writer.Write((float)value);

    /// <summary>Reads a <see cref="Half"/>.</summary>
    public static Half ReadHalf(ref MessagePackReader reader) => (Half)reader.ReadSingle();

    /// <summary>Writes an <see cref="Int128"/> as <c>bin 16</c>, little-endian two's complement.</summary>
    public static void Write(ref MessagePackWriter writer, Int128 value)
    {
        writer.WriteBinHeader(16);
        System.Buffers.Binary.BinaryPrimitives.WriteInt128LittleEndian(writer.GetSpan(16), value);
        writer.Advance(16);
    }

    /// <summary>Reads an <see cref="Int128"/>.</summary>
    public static Int128 ReadInt128(ref MessagePackReader reader) => System.Buffers.Binary.BinaryPrimitives.ReadInt128LittleEndian(ReadFixedBin(ref reader, 16));

    /// <summary>Writes a <see cref="UInt128"/> as <c>bin 16</c>, little-endian.</summary>
    public static void Write(ref MessagePackWriter writer, UInt128 value)
    {
        writer.WriteBinHeader(16);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128LittleEndian(writer.GetSpan(16), value);
        writer.Advance(16);
    }

    /// <summary>Reads a <see cref="UInt128"/>.</summary>
    public static UInt128 ReadUInt128(ref MessagePackReader reader) => System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(ReadFixedBin(ref reader, 16));

    /// <summary>Writes a <see cref="BigInteger"/> as <c>bin</c>, little-endian two's complement (<see cref="BigInteger.ToByteArray()"/>).</summary>
    public static void Write(ref MessagePackWriter writer, BigInteger value) => writer.Write(value.ToByteArray());

    /// <summary>Reads a <see cref="BigInteger"/>.</summary>
    public static BigInteger ReadBigInteger(ref MessagePackReader reader) => new(ReadBin(ref reader));

    /// <summary>Writes a <see cref="Uri"/> (not null) as its original string.</summary>
    public static void Write(ref MessagePackWriter writer, Uri value) => writer.Write(value.OriginalString);

    /// <summary>Reads a <see cref="Uri"/>, absolute or relative as written.</summary>
    public static Uri ReadUri(ref MessagePackReader reader) => new(reader.ReadString() ?? throw Nil(), UriKind.RelativeOrAbsolute);

    /// <summary>Writes a <see cref="Version"/> (not null) as its string, which keeps the number of components.</summary>
    public static void Write(ref MessagePackWriter writer, Version value) => writer.Write(value.ToString());

    /// <summary>Reads a <see cref="Version"/>.</summary>
    public static Version ReadVersion(ref MessagePackReader reader) => Version.Parse(reader.ReadString() ?? throw Nil());

    /// <summary>Writes a <see cref="char"/> as its UTF-16 code unit (a lone surrogate survives).</summary>
    public static void Write(ref MessagePackWriter writer, char value) => writer.Write((ushort)value);

    /// <summary>Reads a <see cref="char"/>.</summary>
    public static char ReadChar(ref MessagePackReader reader) => (char)reader.ReadUInt16();

    /// <summary>
    /// Writes a <see cref="string"/> (not null). UTF-8 cannot carry a lone surrogate, so a string that has one is
    /// written as an array of UTF-16 code units instead of being changed.
    /// </summary>
    public static void Write(ref MessagePackWriter writer, string value)
    {
        if (!HasLoneSurrogate(value))
        {
            writer.Write(value);
            return;
        }

        writer.WriteArrayHeader(value.Length);
        foreach (char c in value)
        {
            writer.Write((ushort)c);
        }
    }

    /// <summary>Reads a <see cref="string"/> (not nil) written by <see cref="Write(ref MessagePackWriter, string)"/>.</summary>
    public static string ReadString(ref MessagePackReader reader)
    {
        if (reader.NextMessagePackType == MessagePackType.Array)
        {
            int length = reader.ReadArrayHeader();
            return ReadUnits(ref reader, length);
        }

        return reader.ReadString() ?? throw Nil();
    }

    /// <summary>Writes a byte array (not null) as <c>bin</c>.</summary>
    public static void Write(ref MessagePackWriter writer, byte[] value) => writer.Write(value);

    /// <summary>Reads a byte array.</summary>
    public static byte[] ReadBytes(ref MessagePackReader reader) => ReadBin(ref reader);

    /// <summary>The exception for a nil where the type allows none.</summary>
    public static Exception Nil() => new MessagePackSerializationException("Unexpected nil");

    private static string ReadUnits(ref MessagePackReader reader, int length)
    {
        var chars = new char[length];
        for (int i = 0; i < length; i++)
        {
            chars[i] = (char)reader.ReadUInt16();
        }

        return new string(chars);
    }

    private static bool HasLoneSurrogate(string value)
    {
        for (int i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]))
            {
                if (i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1]))
                {
                    return true;
                }

                i++;
            }
            else if (char.IsLowSurrogate(value[i]))
            {
                return true;
            }
        }

        return false;
    }

    private static byte[] ReadBin(ref MessagePackReader reader)
    {
        var sequence = reader.ReadBytes() ?? throw Nil();
        return System.Buffers.BuffersExtensions.ToArray(sequence);
    }

    private static byte[] ReadFixedBin(ref MessagePackReader reader, int length)
    {
        var sequence = reader.ReadBytes() ?? throw Nil();
        if (sequence.Length != length)
        {
            throw new MessagePackSerializationException($"Expected {length} bytes, found {sequence.Length}");
        }

        return System.Buffers.BuffersExtensions.ToArray(sequence);
    }
}
