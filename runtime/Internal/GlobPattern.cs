using System.Buffers;
using System.Text;

namespace CacheGen.Internal;

/// <summary>
/// Redis's glob matcher (<c>stringmatchlen</c> in <c>util.c</c>, as in 7.0), ported byte for byte so the
/// in-memory store deletes exactly what <c>SCAN … MATCH</c> would: <c>*</c>, <c>?</c> (one byte, not one
/// character), <c>[abc]</c>, <c>[^abc]</c>, <c>[a-z]</c>, and <c>\</c> escapes, case-sensitive, on UTF-8 bytes.
/// </summary>
/// <remarks>
/// The odd corners are Redis's, kept on purpose: an unclosed <c>[</c> runs to the end of the pattern, <c>[a-]</c>
/// is a range up to <c>]</c>, range bounds compare as signed chars, and past 1000 nested <c>*</c> nothing matches.
/// Beyond its end a pattern reads as NUL, as the C string it is in Redis.
/// </remarks>
internal static class GlobPattern
{
    private const int MaxNesting = 1000;

    /// <summary>Whether <paramref name="text"/> matches <paramref name="pattern"/>, both taken as UTF-8.</summary>
    public static bool IsMatch(string pattern, string text) => IsMatch(Encoding.UTF8.GetBytes(pattern), text);

    /// <summary>Whether <paramref name="text"/>, as UTF-8, matches the UTF-8 <paramref name="pattern"/>.</summary>
    public static bool IsMatch(ReadOnlySpan<byte> pattern, string text)
    {
        int max = Encoding.UTF8.GetMaxByteCount(text.Length);
        byte[]? rented = max > 512 ? ArrayPool<byte>.Shared.Rent(max) : null;
        try
        {
            Span<byte> buffer = rented is null ? stackalloc byte[512] : rented;
            int length = Encoding.UTF8.GetBytes(text, buffer);
            return IsMatch(pattern, buffer[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Whether the bytes <paramref name="text"/> match <paramref name="pattern"/>.</summary>
    public static bool IsMatch(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text)
    {
        bool skipLongerMatches = false;
        return Match(pattern, 0, text, 0, ref skipLongerMatches, 0);
    }

    private static bool Match(ReadOnlySpan<byte> pattern, int p, ReadOnlySpan<byte> text, int s, ref bool skipLongerMatches, int nesting)
    {
        // protection against abusive patterns, as Redis has it since 7.0.9
        if (nesting > MaxNesting)
        {
            return false;
        }

        int patternLen = pattern.Length - p;
        int textLen = text.Length - s;
        while (patternLen > 0 && textLen > 0)
        {
            switch (pattern[p])
            {
                case (byte)'*':
                    while (patternLen > 0 && At(pattern, p + 1) == '*')
                    {
                        p++;
                        patternLen--;
                    }

                    if (patternLen == 1)
                    {
                        return true;
                    }

                    while (textLen > 0)
                    {
                        if (Match(pattern, p + 1, text, s, ref skipLongerMatches, nesting + 1))
                        {
                            return true;
                        }

                        if (skipLongerMatches)
                        {
                            return false;
                        }

                        s++;
                        textLen--;
                    }

                    // the rest of the pattern matched nowhere in the rest of the text: no earlier '*' can help
                    skipLongerMatches = true;
                    return false;

                case (byte)'?':
                    s++;
                    textLen--;
                    break;

                case (byte)'[':
                {
                    p++;
                    patternLen--;
                    bool not = At(pattern, p) == '^';
                    if (not)
                    {
                        p++;
                        patternLen--;
                    }

                    bool match = false;
                    while (true)
                    {
                        if (At(pattern, p) == '\\' && patternLen >= 2)
                        {
                            p++;
                            patternLen--;
                            if (pattern[p] == text[s])
                            {
                                match = true;
                            }
                        }
                        else if (At(pattern, p) == ']')
                        {
                            break;
                        }
                        else if (patternLen == 0)
                        {
                            p--;
                            patternLen++;
                            break;
                        }
                        else if (patternLen >= 3 && pattern[p + 1] == '-')
                        {
                            // C compares plain (signed) chars: bytes from 0x80 are negative here
                            int start = (sbyte)pattern[p];
                            int end = (sbyte)pattern[p + 2];
                            int c = (sbyte)text[s];
                            if (start > end)
                            {
                                (start, end) = (end, start);
                            }

                            p += 2;
                            patternLen -= 2;
                            if (c >= start && c <= end)
                            {
                                match = true;
                            }
                        }
                        else if (pattern[p] == text[s])
                        {
                            match = true;
                        }

                        p++;
                        patternLen--;
                    }

                    if (not)
                    {
                        match = !match;
                    }

                    if (!match)
                    {
                        return false;
                    }

                    s++;
                    textLen--;
                    break;
                }

                case (byte)'\\':
                    if (patternLen >= 2)
                    {
                        p++;
                        patternLen--;
                    }

                    goto default;

                default:
                    if (pattern[p] != text[s])
                    {
                        return false;
                    }

                    s++;
                    textLen--;
                    break;
            }

            p++;
            patternLen--;
            if (textLen == 0)
            {
                while (At(pattern, p) == '*')
                {
                    p++;
                    patternLen--;
                }

                break;
            }
        }

        return patternLen == 0 && textLen == 0;
    }

    private static int At(ReadOnlySpan<byte> pattern, int index) => index < pattern.Length ? pattern[index] : 0;
}
