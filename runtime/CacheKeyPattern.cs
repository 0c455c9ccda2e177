using System.Text;

namespace CacheGen;

/// <summary>
/// Builds patterns for <see cref="ICacheAdmin.InvalidatePatternAsync"/>. A pattern is a Redis glob over the
/// <em>escaped</em> key text, so a literal value must go through <see cref="Literal"/>: then
/// <c>"rack:" + CacheKeyPattern.Literal("al*")</c> matches the entry for the value <c>al*</c> and never the one for
/// <c>alice</c>.
/// </summary>
public static class CacheKeyPattern
{
    /// <summary>
    /// Returns <paramref name="value"/> as it stands in a key (escaped as <see cref="CacheKeyBuilder"/> escapes a
    /// string part, <see langword="null"/> as <c>%N</c>, a part over <see cref="CacheKeyBuilder.MaxPartLength"/>
    /// characters as its hash), with the glob characters <c>\ * ? [ ]</c> then escaped, so the result matches that
    /// text and nothing else.
    /// </summary>
    /// <remarks>
    /// The key escaping already turns every glob character into <c>%XX</c>; the glob escape is kept so the pattern
    /// stays literal even if the key format changes. A whole key over <see cref="CacheKeyBuilder.MaxKeyLength"/>
    /// bytes is stored as a hash and cannot be matched by its parts.
    /// </remarks>
    /// <param name="value">A key parameter's value, as passed to the cached method.</param>
    public static string Literal(string? value) => EscapeGlob(CacheKeyBuilder.FormatPart(value));

    /// <summary>Escapes the Redis glob characters <c>\ * ? [ ]</c> in <paramref name="text"/> with a backslash.</summary>
    /// <remarks><c>^</c> and <c>-</c> are special only inside <c>[…]</c>, so escaping <c>[</c> is enough.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    public static string EscapeGlob(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.AsSpan().IndexOfAny(@"\*?[]") < 0)
        {
            return text;
        }

        var b = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            if (c is '\\' or '*' or '?' or '[' or ']')
            {
                b.Append('\\');
            }

            b.Append(c);
        }

        return b.ToString();
    }
}
