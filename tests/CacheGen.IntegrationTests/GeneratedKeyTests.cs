using System.Globalization;
using System.Text;

namespace CacheGen.IntegrationTests
{
    using CacheGen.IntegrationTests.KeyProbes;

    /// <summary>
    /// Drives the key code the generator writes (no store involved): distinct arguments never give one key, equal
    /// arguments always do, in every culture.
    /// </summary>
    public sealed class GeneratedKeyTests
    {
        private static readonly string[] s_pieces =
        [
            ":", "*", "?", "[", "]", "\\", "%", " ", "\n", "\r\n", "\0", "\uD800", "\uDFFF", "\uFFFD", "😀", ",", "(", ")", "{", "}", "#",
            "%3A", "%N", "%H", "%u", "a", "b", "x", "y", "z", "rack", "123", "é", "\u0085", "\u001F",
        ];

        [Fact]
        public void GeneratedKeys_For100000RandomPairs_AreInjective()
        {
            // arrange
            var cache = new RecordingCacheClient();
            var probe = new Probe(cache);
            var random = new Random(20261121);
            var seen = new Dictionary<string, (string? A, string? B)>(StringComparer.Ordinal);
            var seenBytes = new Dictionary<string, string>(StringComparer.Ordinal);

            // act, assert
            for (int i = 0; i < 100_000; i++)
            {
                var pair = (Next(random), Next(random));
                probe.Pair(pair.Item1, pair.Item2);
                string key = cache.LastKey!;
                if (seen.TryGetValue(key, out var earlier))
                {
                    Assert.True(earlier == pair, $"{Show(earlier)} and {Show(pair)} share the key '{key}'");
                }
                else
                {
                    seen[key] = pair;
                }

                // Redis sees UTF-8 bytes: they must be as distinct as the keys
                string bytes = Convert.ToHexString(Encoding.UTF8.GetBytes(key));
                Assert.Equal(key, seenBytes.TryGetValue(bytes, out var other) ? other : seenBytes[bytes] = key);
            }

            Assert.True(seen.Count > 50_000, $"only {seen.Count} distinct pairs were drawn");
        }

        [Fact]
        public void GeneratedKeys_ForEqualArguments_AreEqual()
        {
            var cache = new RecordingCacheClient();
            var probe = new Probe(cache);
            var random = new Random(7);
            for (int i = 0; i < 10_000; i++)
            {
                string? a = Next(random);
                string? b = Next(random);
                probe.Pair(a, b);
                string first = cache.LastKey!;

                // equal but not the same string instances
                probe.Pair(a is null ? null : new string(a.AsSpan()), b is null ? null : new string(b.AsSpan()));
                Assert.Equal(first, cache.LastKey);
            }
        }

        [Fact]
        public void GeneratedKeys_TellLoneSurrogatesAndTheReplacementCharacterApart()
        {
            var cache = new RecordingCacheClient();
            var probe = new Probe(cache);
            var keys = new[] { "\uD800", "\uDFFF", "\uFFFD" }.Select(s => { probe.Pair(s, ""); return Encoding.UTF8.GetBytes(cache.LastKey!); }).ToList();
            Assert.Equal(3, keys.Select(Convert.ToHexString).Distinct().Count());

            probe.Pair(null, "z");
            string nullKey = cache.LastKey!;
            probe.Pair("", "z");
            Assert.NotEqual(nullKey, cache.LastKey);
        }

        [Theory]
        [InlineData("de-DE")]
        [InlineData("fi-FI")]
        [InlineData("tr-TR")]
        [InlineData("ar-SA")]
        public void GeneratedKeys_AreIdenticalInEveryCulture(string culture)
        {
            string invariant = MixedKey(CultureInfo.InvariantCulture);
            Assert.Equal(invariant, MixedKey(new CultureInfo(culture)));
        }

        private static string MixedKey(CultureInfo culture)
        {
            var previous = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
            try
            {
                CultureInfo.CurrentCulture = culture;
                CultureInfo.CurrentUICulture = culture;
                var cache = new RecordingCacheClient();
                new Probe(cache).Mixed(
                    -1234.5678, 1.50m, new DateTimeOffset(2026, 11, 21, 22, 38, 52, TimeSpan.FromHours(2)), new DateOnly(2026, 3, 9),
                    new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), 3.25f, -42, Region.South, ["İstanbul", "ı", "i"], new Window(TimeSpan.FromMinutes(90), 0.1));
                return cache.LastKey!;
            }
            finally
            {
                (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = previous;
            }
        }

        private static string? Next(Random random)
        {
            int kind = random.Next(12);
            if (kind == 0)
            {
                return null;
            }

            if (kind == 1)
            {
                return string.Empty;
            }

            var sb = new StringBuilder();
            int n = random.Next(1, 4);
            for (int i = 0; i < n; i++)
            {
                sb.Append(s_pieces[random.Next(s_pieces.Length)]);
            }

            return sb.ToString();
        }

        private static string Show((string? A, string? B) pair) =>
            $"({Escape(pair.A)}, {Escape(pair.B)})";

        private static string Escape(string? s) => s is null ? "null" : "\"" + string.Concat(s.Select(c => c < ' ' || c > '~' ? $"\\u{(int)c:X4}" : c.ToString())) + "\"";
    }
}

namespace CacheGen.IntegrationTests.KeyProbes
{
    public enum Region
    {
        North = 1,
        South = 2,
    }

    public readonly record struct Window(TimeSpan Length, double Share);

    /// <summary>Cached methods whose generated keys the tests read through <see cref="RecordingCacheClient"/>.</summary>
    public sealed partial class Probe(ICacheClient cache)
    {
        [Cached("probe", 60)]
        public partial string Pair(string? a, string? b);

        [Cached("probe", 60)]
        public partial string Mixed(double x, decimal money, DateTimeOffset at, DateOnly day, DateTime utc, float f, int? n, Region region, List<string> labels, Window window);

        private string PairCore(string? a, string? b) => string.Empty;

        private string MixedCore(double x, decimal money, DateTimeOffset at, DateOnly day, DateTime utc, float f, int? n, Region region, List<string> labels, Window window) => string.Empty;
    }

    /// <summary>An <see cref="ICacheClient"/> that records the key each call builds and always runs the factory.</summary>
    public sealed class RecordingCacheClient : ICacheClient
    {
        public string? LastKey { get; private set; }

        public ValueTask<T> GetOrSetAsync<TState, T>(CachedMethod method, string key, string[]? tags, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, CancellationToken cancellationToken = default)
        {
            LastKey = method.Namespace + ":" + key;
            return factory(state, cancellationToken);
        }

        public T GetOrSet<TState, T>(CachedMethod method, string key, string[]? tags, TState state, Func<TState, T> factory)
        {
            LastKey = method.Namespace + ":" + key;
            return factory(state);
        }

        public ValueTask InvalidateKeyAsync(string @namespace, string key, CancellationToken cancellationToken = default) => default;

        public ValueTask InvalidateNamespaceAsync(string @namespace, CancellationToken cancellationToken = default) => default;

        public ValueTask InvalidateTagAsync(string tag, CancellationToken cancellationToken = default) => default;

        public CacheStatistics GetStatistics() => new(0, 0, 0, CircuitState.Closed, 0, "recording");
    }
}
