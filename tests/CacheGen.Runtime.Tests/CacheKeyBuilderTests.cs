using System.Globalization;
using System.Text;

namespace CacheGen.Runtime.Tests;

public sealed class CacheKeyBuilderTests
{
    // the builder is a mutable struct: lambdas take it by reference
    private delegate void AddParts(ref CacheKeyBuilder builder);

    private const string Identity = "T.M~abc";

    [Theory]
    [InlineData("")]
    [InlineData("rack")]
    [InlineData("T.M~abc")]
    [InlineData("long:98")] // 490 characters: some values make the key longer than 512 bytes (hashed), some not
    [InlineData("long:160")]
    public void Join_WritesTheKeyTheBuilderWrites(string identity)
    {
        if (identity.StartsWith("long:", StringComparison.Ordinal))
        {
            identity = string.Concat(Enumerable.Repeat("head-", int.Parse(identity[5..], System.Globalization.CultureInfo.InvariantCulture)));
        }

        foreach (long value in new[] { 0L, 7L, -1L, 42L, int.MinValue, int.MaxValue, long.MinValue, long.MaxValue })
        {
            var builder = new CacheKeyBuilder(identity);
            builder.Add(value);
            Assert.Equal(builder.ToString(), CacheKeyBuilder.Join(identity, value));
            if (value is >= int.MinValue and <= int.MaxValue)
            {
                var intBuilder = new CacheKeyBuilder(identity);
                intBuilder.Add((int)value);
                Assert.Equal(intBuilder.ToString(), CacheKeyBuilder.Join(identity, (int)value));
            }
        }
    }

    // strict: a lone surrogate in a key would throw here instead of silently becoming U+FFFD
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // every character that is special to the key format, to Redis globs, to RESP or to UTF-8, plus escape look-alikes
    private static readonly string[] s_alphabet =
    [
        ":", "*", "?", "[", "]", "\\", "%", " ", "\n", "\r\n", "\0", "\uD800", "\uDFFF", "\uFFFD", "\uD83D", "\uDE00",
        "😀", "👍🏽", ",", "(", ")", "{", "}", "#", "a", "b", "N", "H", "u", "%N", "%3A", "%u", "%H", "\u0085", "\u007F", "é", "e\u0301",
    ];

    [Fact]
    public void Add_100000RandomStringPairs_KeysAreInjectiveAndDeterministic()
    {
        // arrange
        var random = new Random(20240229);
        var keyToPair = new Dictionary<string, (string?, string?)>(StringComparer.Ordinal);
        var bytesToPair = new Dictionary<string, (string?, string?)>(StringComparer.Ordinal);
        var pairToKey = new Dictionary<(string?, string?), string>();
        int repeatedPairs = 0;

        for (int i = 0; i < 100_000; i++)
        {
            var pair = (RandomArgument(random), RandomArgument(random));

            // act
            string key = BuildKey(pair.Item1, pair.Item2);
            byte[] utf8 = s_strictUtf8.GetBytes(key);

            // assert
            if (pairToKey.TryGetValue(pair, out string? earlier))
            {
                repeatedPairs++;
                Assert.Equal(earlier, key);
                continue;
            }

            pairToKey[pair] = key;
            if (keyToPair.TryGetValue(key, out var other))
            {
                Assert.Fail($"{Show(pair)} and {Show(other)} share the key '{key}'");
            }

            keyToPair[key] = pair;
            string bytesId = Convert.ToBase64String(utf8);
            if (bytesToPair.TryGetValue(bytesId, out var otherBytes))
            {
                Assert.Fail($"{Show(pair)} and {Show(otherBytes)} share the UTF-8 bytes of key '{key}'");
            }

            bytesToPair[bytesId] = pair;
            AssertNoGlobOrControlCharacters(key);
        }

        // the generator must have produced repeats too, or the "equal pairs give equal keys" half proved nothing
        Assert.True(repeatedPairs > 1000, $"only {repeatedPairs} repeated pairs");
        Assert.True(pairToKey.Count > 50_000, $"only {pairToKey.Count} distinct pairs");
    }

    [Fact]
    public void Add_SeparatorMovedBetweenArguments_GivesDifferentKeys()
    {
        // arrange, act
        string left = BuildKey("x:y", "z");
        string right = BuildKey("x", "y:z");

        // assert
        Assert.NotEqual(left, right);
    }

    [Fact]
    public void Add_NullAndEmptyString_GiveDifferentKeys()
    {
        // arrange, act
        string nullKey = BuildKey(null);
        string emptyKey = BuildKey(string.Empty);
        string literalNull = BuildKey("%N");

        // assert
        Assert.NotEqual(nullKey, emptyKey);
        Assert.NotEqual(nullKey, literalNull);
        Assert.NotEqual(emptyKey, literalNull);
    }

    [Fact]
    public void Add_LoneSurrogatesAndReplacementCharacter_GiveThreeDistinctKeysAndUtf8Forms()
    {
        // arrange
        string[] values = ["\uD800", "\uDFFF", "\uFFFD"];

        // act
        string[] keys = [.. values.Select(v => BuildKey(v))];
        string[] utf8 = [.. keys.Select(k => Convert.ToHexString(s_strictUtf8.GetBytes(k)))];

        // assert
        Assert.Equal(3, keys.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(3, utf8.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Add_SurrogatePairSplitAcrossArguments_DiffersFromTheJoinedCharacter()
    {
        // arrange, act
        string split = BuildKey("\uD83D", "\uDE00");
        string joined = BuildKey("\uD83D\uDE00", string.Empty);

        // assert
        Assert.NotEqual(split, joined);
        s_strictUtf8.GetBytes(split);
    }

    [Theory]
    [InlineData("al*")]
    [InlineData("a?ice")]
    [InlineData("al[i]ce")]
    [InlineData("back\\slash")]
    [InlineData("x]y")]
    [InlineData("*")]
    [InlineData("\r\nFLUSHALL\r\n")]
    public void Add_GlobAndProtocolCharacters_AreEscaped(string value)
    {
        // arrange, act
        string key = BuildKey(value);

        // assert
        AssertNoGlobOrControlCharacters(key);
        Assert.StartsWith(Identity + ":", key, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_OneMebibyteString_GivesBoundedStableKey()
    {
        // arrange
        string huge = new('x', 1024 * 1024);
        string hugeOther = huge[..^1] + "y";

        // act
        string first = BuildKey(huge, "tail");
        string second = BuildKey(huge, "tail");
        string other = BuildKey(hugeOther, "tail");

        // assert
        Assert.True(first.Length <= CacheKeyBuilder.MaxKeyLength, $"key of {first.Length} chars");
        Assert.True(Encoding.UTF8.GetByteCount(first) <= 1024);
        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
        Assert.StartsWith(Identity + ":", first, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_LongNonAsciiParts_KeyStaysWithin1024Utf8Bytes()
    {
        // arrange: docs/design.md S16, keys over 1024 bytes are hashed, never sent raw; a CJK character is 3 UTF-8 bytes
        string cjk = new('\u4E2D', CacheKeyBuilder.MaxPartLength);
        var b = new CacheKeyBuilder(Identity);
        b.Add(cjk);
        b.Add(cjk);
        b.Add(cjk);

        // act
        string key = b.ToString();

        // assert
        int bytes = Encoding.UTF8.GetByteCount(key);
        Assert.True(bytes <= 1024, $"key of {key.Length} chars is {bytes} UTF-8 bytes");
    }

    [Fact]
    public void Add_LongPartHash_CannotBeForgedByALiteral()
    {
        // arrange
        string huge = new('x', 1000);
        string hashed = BuildKey(huge);
        string forged = hashed[(Identity.Length + 1)..];

        // act
        string literal = BuildKey(forged);

        // assert
        Assert.StartsWith(Identity + ":%H", hashed, StringComparison.Ordinal);
        Assert.NotEqual(hashed, literal);
    }

    [Fact]
    public void ToString_ManyLongParts_HashesTheTailAndStaysDistinct()
    {
        // arrange
        static string Build(int last)
        {
            var b = new CacheKeyBuilder(Identity);
            for (int i = 0; i < 10; i++)
            {
                b.Add(new string((char)('a' + i), 120));
            }

            b.Add(last);
            return b.ToString();
        }

        // act
        string one = Build(1);
        string oneAgain = Build(1);
        string two = Build(2);

        // assert
        Assert.True(one.Length <= CacheKeyBuilder.MaxKeyLength);
        Assert.StartsWith(Identity + ":%H", one, StringComparison.Ordinal);
        Assert.Equal(one, oneAgain);
        Assert.NotEqual(one, two);
    }

    [Fact]
    public void Add_DecimalsWithDifferentScale_GiveTheSameKey()
    {
        // arrange, act
        string one = Build((ref CacheKeyBuilder b) => b.Add(1m));
        string oneZero = Build((ref CacheKeyBuilder b) => b.Add(1.0m));
        string oneZeroZero = Build((ref CacheKeyBuilder b) => b.Add(1.00m));
        string tenth = Build((ref CacheKeyBuilder b) => b.Add(0.1m));
        string tenthPadded = Build((ref CacheKeyBuilder b) => b.Add(0.1000m));

        // assert
        Assert.Equal(oneZero, oneZeroZero);
        Assert.Equal(one, oneZero);
        Assert.Equal(tenth, tenthPadded);
        Assert.NotEqual(one, tenth);
    }

    [Fact]
    public void Add_DecimalZeroAndNegativeZero_GiveTheSameKey()
    {
        // arrange
        decimal negativeZero = decimal.Negate(0.0m);
        Assert.Equal(0m, negativeZero);

        // act
        string zero = Build((ref CacheKeyBuilder b) => b.Add(0m));
        string negative = Build((ref CacheKeyBuilder b) => b.Add(negativeZero));

        // assert
        Assert.Equal(zero, negative);
    }

    [Fact]
    public void Add_DoubleZeroAndNegativeZero_GiveTheSameKey()
    {
        // arrange, act
        string zero = Build((ref CacheKeyBuilder b) => b.Add(0.0d));
        string negative = Build((ref CacheKeyBuilder b) => b.Add(-0.0d));
        string floatZero = Build((ref CacheKeyBuilder b) => b.Add(0.0f));
        string floatNegative = Build((ref CacheKeyBuilder b) => b.Add(-0.0f));

        // assert
        Assert.Equal(zero, negative);
        Assert.Equal(floatZero, floatNegative);
    }

    [Fact]
    public void Add_DoublesThatDifferInTheLastBit_GiveDifferentKeys()
    {
        // arrange
        double value = 0.1 + 0.2;
        double next = Math.BitIncrement(value);

        // act, assert
        Assert.NotEqual(Build((ref CacheKeyBuilder b) => b.Add(value)), Build((ref CacheKeyBuilder b) => b.Add(next)));
    }

    [Fact]
    public void Add_SameInstantWithDifferentOffsets_GivesDifferentKeys()
    {
        // arrange: one instant at three offsets; a result may depend on the offset (the local day), so each is its own key
        var utc = new DateTimeOffset(2024, 3, 1, 12, 0, 0, TimeSpan.Zero);
        var plusTwo = utc.ToOffset(TimeSpan.FromHours(2));
        var minusFiveThirty = utc.ToOffset(TimeSpan.FromMinutes(-330));

        // act
        string a = Build((ref CacheKeyBuilder b) => b.Add(utc));
        string b2 = Build((ref CacheKeyBuilder b) => b.Add(plusTwo));
        string c = Build((ref CacheKeyBuilder b) => b.Add(minusFiveThirty));
        string again = Build((ref CacheKeyBuilder b) => b.Add(new DateTimeOffset(2024, 3, 1, 14, 0, 0, TimeSpan.FromHours(2))));
        string later = Build((ref CacheKeyBuilder b) => b.Add(utc.AddTicks(1)));

        // assert
        Assert.Equal(Identity + ":20240301T1200000000000Z+0", a);
        Assert.Equal(Identity + ":20240301T1200000000000Z+120", b2);
        Assert.Equal(Identity + ":20240301T1200000000000Z-330", c);
        Assert.Equal(b2, again);
        Assert.NotEqual(a, later);
    }

    [Fact]
    public void AddEnum_WritesTheMemberName_AndUndefinedValuesAsNumbers()
    {
        Assert.Equal(Identity + ":Friday", Build((ref CacheKeyBuilder b) => b.AddEnum(DayOfWeek.Friday)));
        Assert.Equal(Identity + ":ReadOnly%2C%20Hidden", Build((ref CacheKeyBuilder b) => b.AddEnum(System.IO.FileAttributes.ReadOnly | System.IO.FileAttributes.Hidden)));
        Assert.Equal(Identity + ":42", Build((ref CacheKeyBuilder b) => b.AddEnum((DayOfWeek)42)));
    }

    [Fact]
    public void AddNullOnPath_DiffersFromANullAtTheEnd_AndBetweenHops()
    {
        string end = Build((ref CacheKeyBuilder b) => b.Add((string?)null));
        string first = Build((ref CacheKeyBuilder b) => b.AddNullOnPath(0));
        string second = Build((ref CacheKeyBuilder b) => b.AddNullOnPath(1));
        string text = Build((ref CacheKeyBuilder b) => b.Add("%P0"));

        Assert.Equal(Identity + ":%P0", first);
        Assert.Equal(4, new[] { end, first, second, text }.Distinct().Count());
    }

    [Fact]
    public void Add_HalfAndBigInteger_AreInvariantAndExact()
    {
        var big = System.Numerics.BigInteger.Pow(10, 80) + 1;
        Assert.Equal(Identity + ":" + big.ToString("R", System.Globalization.CultureInfo.InvariantCulture), Build((ref CacheKeyBuilder b) => b.Add(big)));
        Assert.Equal(Build((ref CacheKeyBuilder b) => b.Add(Half.Zero)), Build((ref CacheKeyBuilder b) => b.Add(Half.NegativeZero)));
        Assert.NotEqual(Build((ref CacheKeyBuilder b) => b.Add((Half)0.1f)), Build((ref CacheKeyBuilder b) => b.Add(BitConverter.Int16BitsToHalf((short)(BitConverter.HalfToInt16Bits((Half)0.1f) + 1)))));
    }

    [Fact]
    public void Add_MixedTypesUnderFiveCultures_GivesIdenticalKeys()
    {
        // arrange
        string[] cultures = ["de-DE", "fi-FI", "tr-TR", "ar-SA"];
        var originalCulture = CultureInfo.CurrentCulture;
        var originalUiCulture = CultureInfo.CurrentUICulture;
        string[] expected;
        bool formattedDifferently = false;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
            CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
            expected = MixedKeys();

            foreach (string name in cultures)
            {
                var culture = CultureInfo.GetCultureInfo(name);
                CultureInfo.CurrentCulture = culture;
                CultureInfo.CurrentUICulture = culture;

                formattedDifferently |= (-1234.5).ToString(culture) != "-1234.5" || new DateOnly(2024, 12, 31).ToString(culture) != "12/31/2024";

                // act
                string[] actual = MixedKeys();

                // assert
                Assert.Equal(expected, actual);
            }
        }
        finally
        {
            CultureInfo.CurrentCulture = originalCulture;
            CultureInfo.CurrentUICulture = originalUiCulture;
        }

        // the cultures really format differently here (ICU is loaded), and the keys hold the invariant forms
        Assert.True(formattedDifferently);
        Assert.Contains(":-42:", expected[0], StringComparison.Ordinal);
        Assert.Contains(":1234567.891:", expected[0], StringComparison.Ordinal);
        Assert.Contains(":20241231", expected[0], StringComparison.Ordinal);
    }

    [Fact]
    public void BeginList_EmptyListListOfEmptyStringAndNull_GiveDifferentKeys()
    {
        // arrange, act
        string empty = BuildList([]);
        string oneEmpty = BuildList([string.Empty]);
        string twoEmpty = BuildList([string.Empty, string.Empty]);
        string nullList = BuildList(null);
        string listOfNull = BuildList([null]);

        // assert
        string[] all = [empty, oneEmpty, twoEmpty, nullList, listOfNull];
        Assert.Equal(all.Length, all.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void BeginList_ItemWithCommaAndTwoItems_GiveDifferentKeys()
    {
        // arrange, act
        string oneItem = BuildList(["a,b"]);
        string twoItems = BuildList(["a", "b"]);
        string parenthesis = BuildList(["a)", "(b"]);
        string nested = Build((ref CacheKeyBuilder b) =>
        {
            b.BeginList(1);
            b.BeginList(2);
            b.Add("a");
            b.Add("b");
            b.EndGroup();
            b.EndGroup();
        });

        // assert
        string[] all = [oneItem, twoItems, parenthesis, nested];
        Assert.Equal(all.Length, all.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void BeginList_ItemsMovedBetweenTwoLists_GiveDifferentKeys()
    {
        // arrange, act
        string aThenB = Build((ref CacheKeyBuilder b) =>
        {
            b.BeginList(1);
            b.Add("a");
            b.EndGroup();
            b.BeginList(1);
            b.Add("b");
            b.EndGroup();
        });
        string bothThenNone = Build((ref CacheKeyBuilder b) =>
        {
            b.BeginList(2);
            b.Add("a");
            b.Add("b");
            b.EndGroup();
            b.BeginList(0);
            b.EndGroup();
        });

        // assert
        Assert.NotEqual(aThenB, bothThenNone);
    }

    [Fact]
    public void EndGroup_WithoutBegin_Throws()
    {
        // arrange
        var builder = new CacheKeyBuilder(Identity);

        // act, assert
        Assert.Throws<InvalidOperationException>(() => builder.EndGroup());
    }

    [Fact]
    public void ToString_CalledTwice_Throws()
    {
        // arrange
        var builder = new CacheKeyBuilder(Identity);
        builder.Add(1);
        _ = builder.ToString();

        // act, assert
        Assert.Throws<InvalidOperationException>(() => builder.ToString());
    }

    [Fact]
    public void EscapePart_GlobCharacters_MatchesAKeyPart()
    {
        // arrange
        const string value = "al[i]*?\\ce";

        // act
        string part = CacheKeyBuilder.EscapePart(value);
        string key = BuildKey(value);

        // assert
        Assert.Equal(Identity + ":" + part, key);
        Assert.Equal("%N", CacheKeyBuilder.EscapePart(null));
    }

    private static string[] MixedKeys()
    {
        var b = new CacheKeyBuilder(Identity);
        b.Add(-42);
        b.Add(1234567.891d);
        b.Add(-0.5f);
        b.Add(-1234.5600m);
        b.Add(new DateTime(2024, 2, 29, 13, 45, 30, 123, DateTimeKind.Local).AddTicks(4567));
        b.Add(new DateOnly(2024, 12, 31));
        b.Add(long.MinValue);
        b.Add(double.NegativeInfinity);
        b.Add(double.NaN);
        b.Add(1e-7d);
        b.Add(TimeSpan.FromHours(-1.5));
        b.Add(new DateTimeOffset(2024, 2, 29, 23, 0, 0, TimeSpan.FromHours(3)));
        b.Add(new TimeOnly(23, 59, 59));
        b.Add("Iıİi");
        string mixed = b.ToString();

        // one value per key as well, so a failure names the type
        return
        [
            mixed,
            Build((ref CacheKeyBuilder k) => k.Add(1.5d)),
            Build((ref CacheKeyBuilder k) => k.Add(-2.25f)),
            Build((ref CacheKeyBuilder k) => k.Add(79228162514264337593543950335m)),
            Build((ref CacheKeyBuilder k) => k.Add(new DateTime(1, 1, 1))),
            Build((ref CacheKeyBuilder k) => k.Add(DateOnly.MaxValue)),
            Build((ref CacheKeyBuilder k) => k.Add(int.MinValue)),
            Build((ref CacheKeyBuilder k) => k.Add(-7L)),
        ];
    }

    private static string BuildKey(string? a)
    {
        var b = new CacheKeyBuilder(Identity);
        b.Add(a);
        return b.ToString();
    }

    private static string BuildKey(string? a, string? c)
    {
        var b = new CacheKeyBuilder(Identity);
        b.Add(a);
        b.Add(c);
        return b.ToString();
    }

    private static string BuildList(string?[]? items)
    {
        var b = new CacheKeyBuilder(Identity);
        if (items is null)
        {
            b.AddNull();
        }
        else
        {
            b.BeginList(items.Length);
            foreach (string? item in items)
            {
                b.Add(item);
            }

            b.EndGroup();
        }

        return b.ToString();
    }

    private static string Build(AddParts add)
    {
        var b = new CacheKeyBuilder(Identity);
        add(ref b);
        return b.ToString();
    }

    private static string? RandomArgument(Random random)
    {
        int roll = random.Next(100);
        if (roll < 6)
        {
            return null;
        }

        if (roll < 12)
        {
            return string.Empty;
        }

        // short strings, so that equal pairs recur
        int tokens = roll < 70 ? 1 : random.Next(2, 5);
        var sb = new StringBuilder();
        for (int i = 0; i < tokens; i++)
        {
            sb.Append(s_alphabet[random.Next(s_alphabet.Length)]);
        }

        return sb.ToString();
    }

    private static void AssertNoGlobOrControlCharacters(string key)
    {
        foreach (char c in key)
        {
            Assert.False(c is '*' or '?' or '[' or ']' or '\\', $"glob character '{c}' in key '{key}'");
            Assert.False(c < ' ' || c == '\u007F', $"control character U+{(int)c:X4} in key");
        }
    }

    private static string Show((string?, string?) pair) =>
        "(" + ShowOne(pair.Item1) + ", " + ShowOne(pair.Item2) + ")";

    private static string ShowOne(string? s) =>
        s is null ? "null" : "\"" + string.Concat(s.Select(c => c < ' ' || c > '~' ? $"\\u{(int)c:X4}" : c.ToString())) + "\"";
}
