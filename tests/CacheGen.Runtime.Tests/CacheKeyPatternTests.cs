using CacheGen.Internal;

namespace CacheGen.Runtime.Tests;

public sealed class CacheKeyPatternTests
{
    /// <summary>The parameter values of docs/design.md S15.</summary>
    internal static readonly string[] S15 = ["al*", "a?ice", "al[i]ce", @"back\slash", "alice", "bob", "x]y", "^", "-", "*", ""];

    public static TheoryData<string> S15Values => new(S15);

    [Theory]
    [MemberData(nameof(S15Values))]
    public void Literal_MatchesTheKeyPartOfItsValue_AndNoOtherS15Value(string value)
    {
        // arrange: the key parts generated code writes for each value
        var parts = S15.Select(v => (Value: v, Part: KeyOf(v))).ToList();

        // act
        string pattern = "rack:" + CacheKeyPattern.Literal(value);
        var matched = parts.Where(p => GlobPattern.IsMatch(pattern, p.Part)).Select(p => p.Value).ToList();

        // assert
        Assert.Equal([value], matched);
    }

    [Fact]
    public void Literal_EscapesAsTheKeyBuilderDoes()
    {
        Assert.Equal("al%2A", CacheKeyPattern.Literal("al*"));
        Assert.Equal("a%3Fice", CacheKeyPattern.Literal("a?ice"));
        Assert.Equal("al%5Bi%5Dce", CacheKeyPattern.Literal("al[i]ce"));
        Assert.Equal("back%5Cslash", CacheKeyPattern.Literal(@"back\slash"));
        Assert.Equal("x%3Ay", CacheKeyPattern.Literal("x:y"));
        Assert.Equal("^", CacheKeyPattern.Literal("^"));
        Assert.Equal(string.Empty, CacheKeyPattern.Literal(string.Empty));
        Assert.Equal("%N", CacheKeyPattern.Literal(null));
        Assert.Equal(CacheKeyBuilder.EscapePart("r\u00E9sum\u00E9 \uD800"), CacheKeyPattern.Literal("r\u00E9sum\u00E9 \uD800"));
    }

    [Fact]
    public void Literal_LongValue_IsTheHashTheKeyHolds()
    {
        // arrange: a part over MaxPartLength characters is stored as its hash
        string value = new('v', CacheKeyBuilder.MaxPartLength + 1);

        // act
        string literal = CacheKeyPattern.Literal(value);

        // assert
        Assert.StartsWith("%H", literal, StringComparison.Ordinal);
        Assert.Equal("rack:" + literal, KeyOf(value));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData(@"a*b?c[d]e\f", @"a\*b\?c\[d\]e\\f")]
    [InlineData("^-", "^-")]
    public void EscapeGlob_EscapesTheFiveGlobCharacters(string text, string expected)
    {
        string escaped = CacheKeyPattern.EscapeGlob(text);

        Assert.Equal(expected, escaped);
        Assert.True(GlobPattern.IsMatch(escaped, text));
    }

    /// <summary>The key a generated <c>[Cached(…, Key = "rack:{name}")]</c> builds.</summary>
    internal static string KeyOf(string? value)
    {
        var builder = new CacheKeyBuilder(string.Empty);
        builder.AddLiteral("rack");
        builder.Add(value);
        return builder.ToString();
    }
}
