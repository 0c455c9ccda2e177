using System.Text;
using CacheGen.Internal;

namespace CacheGen.Runtime.Tests.Internal;

/// <summary>
/// The port of Redis's glob matcher. Every expectation below was read from redis-server 7.0.15 (<c>SCAN … MATCH</c>
/// on a key holding the text); the integration suite compares the matcher with a live server on random patterns.
/// </summary>
public sealed class GlobPatternTests
{
    [Theory]
    [InlineData("al*", "alice", true)]
    [InlineData("al*", "al*", true)]
    [InlineData(@"al\*", "al*", true)]
    [InlineData(@"al\*", "alice", false)]
    [InlineData("a?ice", "alice", true)]
    [InlineData("a?ice", "a?ice", true)]
    [InlineData(@"a\?ice", "alice", false)]
    [InlineData(@"a\?ice", "a?ice", true)]
    [InlineData("al[i]ce", "alice", true)]
    [InlineData("al[i]ce", "al[i]ce", false)]
    [InlineData(@"al\[i\]ce", "al[i]ce", true)]
    [InlineData(@"al\[i\]ce", "alice", false)]
    [InlineData("x]y", "x]y", true)]
    [InlineData(@"x\]y", "x]y", true)]
    [InlineData("^", "^", true)]
    [InlineData("-", "-", true)]
    [InlineData("*", "", true)]
    [InlineData("*", "anything", true)]
    [InlineData("", "", true)]
    [InlineData("", "a", false)]
    [InlineData("a", "", false)]
    [InlineData("[^a]b", "cb", true)]
    [InlineData("[^a]b", "ab", false)]
    [InlineData("[a-c]", "b", true)]
    [InlineData("[c-a]", "b", true)]
    [InlineData("[a-]", "]", true)]
    [InlineData("[a-]", "b", false)]
    [InlineData("[a-]x", "^", true)]
    [InlineData("[abc", "a", true)]
    [InlineData("[abc", "abc", false)]
    [InlineData("[", "[", false)]
    [InlineData("[", "", false)]
    [InlineData(@"a\", "a", false)]
    [InlineData(@"a\", @"a\", true)]
    [InlineData(@"\", @"\", true)]
    [InlineData(@"[\]]", "]", true)]
    [InlineData(@"[\", @"\", true)]
    [InlineData("c:?", "c:\u20AC", false)]
    [InlineData("c:???", "c:\u20AC", true)]
    [InlineData("**a", "a", true)]
    [InlineData("a**", "a", true)]
    [InlineData("*a*b*", "xaybz", true)]
    [InlineData("*a*b", "xaybz", false)]
    [InlineData("h*llo", "hllo", true)]
    [InlineData("h[^e]llo", "hallo", true)]
    [InlineData("h[^e]llo", "hello", false)]
    [InlineData("[a-\u00FF]", "b", false)]
    [InlineData("[\u00E9]", "\u00E9", false)]
    [InlineData("?", "\u00E9", false)]
    [InlineData("??", "\u00E9", true)]
    [InlineData("[*]", "*", true)]
    [InlineData("[?]", "a", false)]
    [InlineData("a*", "a", true)]
    [InlineData("*?", "", false)]
    public void IsMatch_AsRedis_70(string pattern, string text, bool expected)
    {
        // arrange: the server saw these under a "k:" prefix
        string prefixedPattern = "k:" + pattern;
        string prefixedText = "k:" + text;

        // act
        bool matched = GlobPattern.IsMatch(prefixedPattern, prefixedText);

        // assert
        Assert.Equal(expected, matched);
    }

    [Fact]
    public void IsMatch_QuestionMark_MatchesOneByteNotOneChar()
    {
        // docs/design.md, "Redis facts the tests rely on": "c:?" did not match "€" (three UTF-8 bytes)
        Assert.False(GlobPattern.IsMatch("c:?", "c:\u20AC"));
        Assert.True(GlobPattern.IsMatch("c:???", "c:\u20AC"));
    }

    [Fact]
    public void IsMatch_NulBytes_AreOrdinaryBytes()
    {
        Assert.True(GlobPattern.IsMatch("a\0*", "a\0bc"));
        Assert.False(GlobPattern.IsMatch("a\0*", "ab"));
    }

    [Fact]
    public void IsMatch_ManyStars_StaysFastOnAHostileText()
    {
        // arrange: the classic exponential case for a naive backtracking matcher
        string pattern = string.Concat(Enumerable.Repeat("a*", 30)) + "b";
        string text = new('a', 200);

        // act
        var clock = System.Diagnostics.Stopwatch.StartNew();
        bool matched = GlobPattern.IsMatch(pattern, text);

        // assert
        Assert.False(matched);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
    }

    [Fact]
    public void IsMatch_MoreThan1000NestedStars_NeverMatches()
    {
        // Redis 7.0.9+ gives up past 1000 nested '*' (CVE-2022-36021); the port does the same
        string deep = string.Concat(Enumerable.Repeat("*a", 1002));
        string text = new('a', 1002);

        Assert.True(GlobPattern.IsMatch(string.Concat(Enumerable.Repeat("*a", 999)), new string('a', 999)));
        Assert.False(GlobPattern.IsMatch(deep, text));
    }

    [Fact]
    public void IsMatch_LongText_UsesAPooledBuffer()
    {
        string text = "prefix:" + new string('x', 5000) + "\u20AC";

        Assert.True(GlobPattern.IsMatch("prefix:*\u20AC", text));
        Assert.True(GlobPattern.IsMatch(Encoding.UTF8.GetBytes("prefix:*"), text));
    }
}
