using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CacheGen;

/// <summary>
/// Builds the variable part of a cache key from argument values. Generated code calls it; the format is
/// injective: distinct arguments never give the same key, equal arguments always do, in every culture.
/// </summary>
/// <remarks>
/// <para>Parts are joined with <c>:</c>; each value is written culture-invariantly and escaped, so a value can
/// never contain a separator or a Redis glob character. <c>%</c> starts every escape:</para>
/// <list type="bullet">
/// <item><c>%XX</c>: an ASCII character that is special here (<c>% : * ? [ ] \ , ( ) { } #</c>, space, control characters).</item>
/// <item><c>%uXXXX</c>: a lone UTF-16 surrogate or a C1 control character, so text that UTF-8 could not tell apart stays distinct.</item>
/// <item><c>%N</c>: <see langword="null"/> (an empty string is an empty part).</item>
/// <item><c>%P</c> + hop: a member path that met <see langword="null"/> before its end (<c>filter</c> null in <c>{filter.Vendor}</c> is <c>%P0</c>; <c>filter.Vendor</c> null is <c>%N</c>).</item>
/// <item><c>%H</c> + 32 hex digits: the SHA-256 of a part longer than 128 characters, or of a key longer than 512 UTF-8 bytes.</item>
/// </list>
/// <para>Lists are written <c>count(item,item)</c> and groups of members <c>(member,member)</c>.</para>
/// </remarks>
public struct CacheKeyBuilder
{
    /// <summary>The longest escaped part, in characters, written as it is; longer parts are hashed.</summary>
    public const int MaxPartLength = 128;

    /// <summary>The longest key (identity and parts), in UTF-8 bytes, kept as it is; longer keys keep the identity and hash the rest.</summary>
    public const int MaxKeyLength = 512;

    private static readonly SearchValues<char> s_special = CreateSpecial();

    [ThreadStatic]
    private static StringBuilder? t_cached;

    private StringBuilder? _builder;
    private int _depth;
    private bool _pendingSeparator;

    /// <summary>Starts a key with its identity (the template's literal head, or <c>Type.Method~hash</c>).</summary>
    /// <param name="identity">The key's fixed, already safe head.</param>
    public CacheKeyBuilder(string identity)
    {
        _builder = t_cached ?? new StringBuilder(128);
        t_cached = null;
        _builder.Clear().Append(identity);
        _pendingSeparator = identity.Length > 0;
    }

    /// <summary>
    /// The key that <c>new CacheKeyBuilder(identity)</c> then <c>Add(value)</c> writes, made in one allocation (no
    /// builder). Generated code calls it for a key of one <see cref="int"/> parameter.
    /// </summary>
    /// <param name="identity">The key's fixed, already safe head.</param>
    /// <param name="value">The one key value.</param>
    public static string Join(string identity, int value) => JoinInteger(identity, value);

    /// <summary>As <see cref="Join(string, int)"/>, for a key of one <see cref="long"/> parameter.</summary>
    /// <param name="identity">The key's fixed, already safe head.</param>
    /// <param name="value">The one key value.</param>
    public static string Join(string identity, long value) => JoinInteger(identity, value);

    private static string JoinInteger<T>(string identity, T value)
        where T : ISpanFormattable
    {
        ArgumentNullException.ThrowIfNull(identity);
        Span<char> digits = stackalloc char[24];
        if (identity.Length > (MaxKeyLength - 24) / 3 || !value.TryFormat(digits, out int written, default, CultureInfo.InvariantCulture))
        {
            // a head long enough for the key to be hashed: the builder's rules, exactly
            var builder = new CacheKeyBuilder(identity);
            builder.AddInteger(value);
            return builder.ToString();
        }

        return identity.Length == 0 ? new string(digits[..written]) : string.Concat(identity.AsSpan(), ":", digits[..written]);
    }

    /// <summary>Appends a literal segment of a key template (checked safe at build time: no separators or glob characters).</summary>
    public void AddLiteral(string segment) => StartPart().Append(segment);

    /// <summary>Appends <see langword="null"/>.</summary>
    public void AddNull() => StartPart().Append("%N");

    /// <summary>Appends the mark of a member path that met <see langword="null"/> at <paramref name="hop"/> (0: the parameter itself), before its end.</summary>
    public void AddNullOnPath(int hop) => StartPart().Append("%P").Append(hop.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// Appends an enum value by its member name (flags as <c>A, B</c>), so inserting a member before another never
    /// gives an old key a new meaning; a value with no name is written as its number.
    /// </summary>
    public void AddEnum<T>(T value)
        where T : struct, Enum => Add(value.ToString());

    /// <summary>Appends a string; <see langword="null"/> and <c>""</c> differ.</summary>
    public void Add(string? value)
    {
        if (value is null)
        {
            AddNull();
            return;
        }

        var b = StartPart();
        int start = b.Length;
        Escape(b, value.AsSpan());
        HashIfLong(b, start);
    }

    /// <summary>Appends a character.</summary>
    public void Add(char value) => Add(value.ToString());

    /// <summary>Appends a Boolean as <c>true</c> or <c>false</c>.</summary>
    public void Add(bool value) => StartPart().Append(value ? "true" : "false");

    /// <summary>Appends an integer.</summary>
    public void Add(byte value) => AddInteger(value);

    /// <summary>Appends an integer.</summary>
    public void Add(sbyte value) => AddInteger(value);

    /// <summary>Appends an integer.</summary>
    public void Add(short value) => AddInteger(value);

    /// <summary>Appends an integer.</summary>
    public void Add(ushort value) => AddInteger(value);

    /// <summary>Appends an integer.</summary>
    public void Add(int value) => AddInteger(value);

    /// <summary>Appends an integer.</summary>
    public void Add(uint value) => AddInteger(value);

    /// <summary>Appends an integer.</summary>
    public void Add(long value) => AddInteger(value);

    /// <summary>Appends an integer.</summary>
    public void Add(ulong value) => AddInteger(value);

    /// <summary>Appends an integer.</summary>
    public void Add(Int128 value) => AddInteger(value);

    /// <summary>Appends an integer.</summary>
    public void Add(UInt128 value) => AddInteger(value);

    /// <summary>Appends a floating-point value in its shortest round-trip form; <c>-0</c> is written as <c>0</c> because the two compare equal.</summary>
    public void Add(double value) => AddFormattable(value == 0d ? 0d : value, "R");

    /// <summary>Appends a half-precision value in its shortest round-trip form; <c>-0</c> is written as <c>0</c>.</summary>
    public void Add(Half value) => AddFormattable(value == Half.Zero ? Half.Zero : value, "R");

    /// <summary>Appends an integer of any size.</summary>
    public void Add(System.Numerics.BigInteger value) => AddFormattable(value, "R");

    /// <summary>Appends a floating-point value in its shortest round-trip form; <c>-0</c> is written as <c>0</c>.</summary>
    public void Add(float value) => AddFormattable(value == 0f ? 0f : value, "R");

    /// <summary>Appends a decimal without trailing zeros, so <c>1.0m</c> and <c>1.00m</c> (which are equal) give one key.</summary>
    public void Add(decimal value) => AddFormattable(value / 1.0000000000000000000000000000m, null);

    /// <summary>Appends a GUID as 32 hex digits.</summary>
    public void Add(Guid value) => AddFormattable(value, "N");

    /// <summary>Appends a date and time by its ticks, as <c>yyyyMMddTHHmmssfffffff</c>; the kind is ignored, as <see cref="DateTime.Equals(DateTime)"/> ignores it.</summary>
    public void Add(DateTime value) => AddFormattable(value, "yyyyMMdd'T'HHmmssfffffff");

    /// <summary>
    /// Appends a date and time with its offset, as the UTC instant and the offset in minutes
    /// (<c>yyyyMMddTHHmmssfffffffZ+330</c>): the same instant at two offsets gives two keys, because a result may
    /// depend on the offset (the local day, the local hour) even though the two values compare equal.
    /// </summary>
    public void Add(DateTimeOffset value)
    {
        var b = StartPart();
        Span<char> buffer = stackalloc char[40];
        value.UtcDateTime.TryFormat(buffer, out int written, "yyyyMMdd'T'HHmmssfffffff'Z'", CultureInfo.InvariantCulture);
        b.Append(buffer[..written]);
        int minutes = (int)value.Offset.TotalMinutes;
        b.Append(minutes < 0 ? '-' : '+').Append(Math.Abs(minutes).ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Appends a date as <c>yyyyMMdd</c>.</summary>
    public void Add(DateOnly value) => AddFormattable(value, "yyyyMMdd");

    /// <summary>Appends a time of day by its ticks.</summary>
    public void Add(TimeOnly value) => AddFormattable(value.Ticks, null);

    /// <summary>Appends a time span by its ticks.</summary>
    public void Add(TimeSpan value) => AddFormattable(value.Ticks, null);

    /// <summary>Appends a value that formats itself deliberately, with the invariant culture, escaped.</summary>
    public void AddFormattable<T>(T value, string? format)
        where T : IFormattable
    {
        Span<char> buffer = stackalloc char[64];
        var b = StartPart();
        int start = b.Length;
        if (value is ISpanFormattable sf && sf.TryFormat(buffer, out int written, format, CultureInfo.InvariantCulture))
        {
            Escape(b, buffer[..written]);
        }
        else
        {
            Escape(b, value.ToString(format, CultureInfo.InvariantCulture).AsSpan());
        }

        HashIfLong(b, start);
    }

    /// <summary>
    /// An integer, invariantly: digits and a leading <c>-</c> only (nothing to escape), at most 40 characters (never
    /// hashed), so it is written straight into the key, as <see cref="AddFormattable{T}"/> would write it.
    /// </summary>
    private void AddInteger<T>(T value)
        where T : ISpanFormattable
    {
        Span<char> buffer = stackalloc char[48];
        var b = StartPart();
        if (value.TryFormat(buffer, out int written, default, CultureInfo.InvariantCulture))
        {
            b.Append(buffer[..written]);
        }
        else
        {
            int start = b.Length;
            Escape(b, value.ToString(null, CultureInfo.InvariantCulture).AsSpan());
            HashIfLong(b, start);
        }
    }

    /// <summary>Starts a list of <paramref name="count"/> items; add the items, then call <see cref="EndGroup"/>.</summary>
    public void BeginList(int count)
    {
        StartPart().Append(count.ToString(CultureInfo.InvariantCulture)).Append('(');
        _depth++;
        _pendingSeparator = false;
    }

    /// <summary>Starts a group of members of one value; add the members, then call <see cref="EndGroup"/>.</summary>
    public void BeginGroup()
    {
        StartPart().Append('(');
        _depth++;
        _pendingSeparator = false;
    }

    /// <summary>Ends a list or a group.</summary>
    public void EndGroup()
    {
        if (_depth == 0)
        {
            throw new InvalidOperationException("EndGroup without BeginList or BeginGroup.");
        }

        Builder.Append(')');
        _depth--;
        _pendingSeparator = true;
    }

    /// <summary>Returns the key, and hashes everything after the identity when it is longer than <see cref="MaxKeyLength"/>.</summary>
    public override string ToString()
    {
        var b = Builder;
        string key = b.ToString();
        if (b.Length > MaxKeyLength / 3 && Encoding.UTF8.GetByteCount(key) > MaxKeyLength)
        {
            key = HashTail(key);
        }

        t_cached = b;
        _builder = null;
        return key;
    }

    /// <summary>Escapes one value as a key part would hold it (no hashing). Used for tags and operator patterns.</summary>
    public static string EscapePart(string? value)
    {
        if (value is null)
        {
            return "%N";
        }

        var b = new StringBuilder(value.Length + 8);
        Escape(b, value.AsSpan());
        return b.ToString();
    }

    /// <summary>Writes one string value exactly as <see cref="Add(string)"/> puts it in a key: escaped, and hashed when longer than <see cref="MaxPartLength"/>.</summary>
    internal static string FormatPart(string? value)
    {
        if (value is null)
        {
            return "%N";
        }

        var b = new StringBuilder(value.Length + 8);
        Escape(b, value.AsSpan());
        HashIfLong(b, 0);
        return b.ToString();
    }

    private StringBuilder Builder => _builder ?? throw new InvalidOperationException("The key was already built.");

    private StringBuilder StartPart()
    {
        var b = Builder;
        if (_pendingSeparator)
        {
            b.Append(_depth == 0 ? ':' : ',');
        }

        _pendingSeparator = true;
        return b;
    }

    private static void Escape(StringBuilder b, ReadOnlySpan<char> value)
    {
        while (true)
        {
            // runs of characters that need nothing are copied at once
            int special = value.IndexOfAny(s_special);
            if (special < 0)
            {
                b.Append(value);
                return;
            }

            b.Append(value[..special]);
            value = value[special..];
            char c = value[0];
            int used = 1;
            if (char.IsHighSurrogate(c) && value.Length > 1 && char.IsLowSurrogate(value[1]))
            {
                b.Append(c).Append(value[1]);
                used = 2;
            }
            else if (char.IsSurrogate(c) || (c >= '\u0080' && c <= '\u009F'))
            {
                // a lone surrogate would become U+FFFD in UTF-8 and meet other values there
                b.Append("%u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
            else
            {
                b.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }

            value = value[used..];
        }
    }

    /// <summary>Every character <see cref="Escape"/> does not copy as it is: the escaped ones, C1 controls and surrogates.</summary>
    private static SearchValues<char> CreateSpecial()
    {
        var chars = new List<char>();
        for (int c = 0; c <= char.MaxValue; c++)
        {
            if (NeedsEscape((char)c) || char.IsSurrogate((char)c) || (c >= 0x80 && c <= 0x9F))
            {
                chars.Add((char)c);
            }
        }

        return SearchValues.Create(chars.ToArray());
    }

    private static bool NeedsEscape(char c) =>
        c < ' ' || c == '\u007F' || c is '%' or ':' or '*' or '?' or '[' or ']' or '\\' or ',' or '(' or ')' or '{' or '}' or '#' or ' ';

    private static void HashIfLong(StringBuilder b, int start)
    {
        int length = b.Length - start;
        if (length <= MaxPartLength)
        {
            return;
        }

        string part = b.ToString(start, length);
        b.Length = start;
        b.Append("%H").Append(Hash(part));
    }

    private static string HashTail(string full)
    {
        int identityEnd = full.IndexOf(':');
        string identity = identityEnd < 0 || identityEnd > MaxKeyLength / 2 ? string.Empty : full[..identityEnd];
        return identity.Length == 0 ? "%H" + Hash(full) : identity + ":%H" + Hash(full);
    }

    internal static string Hash(string text)
    {
        // the escaped text holds no lone surrogates, so its UTF-8 form is injective
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), digest);
        return Convert.ToHexStringLower(digest[..16]);
    }
}
