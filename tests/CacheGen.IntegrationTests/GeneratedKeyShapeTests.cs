using CacheGen.IntegrationTests.Infrastructure;
using CacheGen.IntegrationTests.KeyShapes;

namespace CacheGen.IntegrationTests
{
    /// <summary>
    /// The key shapes of issue 8, driven through the code the generator writes: each gives distinct keys where the
    /// values differ, the same key where they are equal, and invalidation keys equal to the cached ones.
    /// </summary>
    public sealed class GeneratedKeyShapeTests
    {
        [Fact]
        public void NullOnThePath_DiffersFromNullAtItsEnd()
        {
            var cache = new KeyRecorder();
            var svc = new ShapeProbe(cache);

            svc.ByVendor(null);
            string pathNull = cache.LastKey!;
            svc.ByVendor(new Filter(null, 1));
            string endNull = cache.LastKey!;
            svc.ByVendor(new Filter("acme", 1));
            string vendor = cache.LastKey!;

            Assert.Equal(3, new[] { pathNull, endNull, vendor }.Distinct().Count());
            svc.ByVendor(new Filter(null, 1));
            Assert.Equal(endNull, cache.LastKey);
        }

        [Fact]
        public void EnumKeyParts_AreWrittenByName()
        {
            var cache = new KeyRecorder();
            new ShapeProbe(cache).ByKind(Kind.Storage, Kind.Network);
            Assert.EndsWith(":Storage:Network", cache.LastKey, StringComparison.Ordinal);
        }

        [Fact]
        public void DateTimeOffsetKeyParts_KeepTheOffset()
        {
            var cache = new KeyRecorder();
            var svc = new ShapeProbe(cache);
            var utc = new DateTimeOffset(2026, 12, 1, 0, 30, 0, TimeSpan.Zero);

            svc.At(utc);
            string a = cache.LastKey!;
            svc.At(utc.ToOffset(TimeSpan.FromHours(14)));
            string b = cache.LastKey!;
            svc.At(utc.ToOffset(TimeSpan.FromHours(-14)));
            string c = cache.LastKey!;

            Assert.Equal(3, new[] { a, b, c }.Distinct().Count());
        }

        [Fact]
        public void FormattableRecords_AreKeyedMemberByMember_NotByTheirToString()
        {
            // Price.ToString rounds to two digits in the current culture: 1.001 and 1.004 would share a key
            var cache = new KeyRecorder();
            var svc = new ShapeProbe(cache);

            svc.Quote(new Price(1.001m, "EUR"));
            string a = cache.LastKey!;
            svc.Quote(new Price(1.004m, "EUR"));

            Assert.NotEqual(a, cache.LastKey);
        }

        [Fact]
        public void GenericClass_InvalidationKey_EqualsTheCachedKey_AndDiffersPerTypeArgument()
        {
            var cache = new KeyRecorder();
            new Lookup<int>(cache).Get(7);
            string cachedInt = cache.LastKey!;
            new Lookup<int>(cache).Remove(7);
            string invalidatedInt = cache.LastInvalidation!;
            new Lookup<string>(cache).Get(7);
            string cachedString = cache.LastKey!;

            Assert.Equal(cachedInt, invalidatedInt);
            Assert.NotEqual(cachedInt, cachedString);
        }
    }

    /// <summary>Invalidation by key in a generic class, against a real redis-server.</summary>
    [Collection(RedisCollection.Name)]
    public sealed class GenericInvalidationRedisTests(RedisServerFixture redis)
    {
        [RedisFact]
        public async Task InvalidatesCacheByKey_InAGenericClass_RemovesTheCachedEntry_OfThatTypeArgumentOnly()
        {
            // arrange
            // a generous operation timeout: a miss returns once its write-back landed, so the next call is a hit by construction
            using var cache = await TestCache.CreateAsync(redis.Configuration, o => o.OperationTimeoutMs = 5000);
            var ints = new Lookup<int>(cache.Client);
            var strings = new Lookup<string>(cache.Client);
            Assert.Equal(1, ints.Get(7).Version);
            Assert.Equal(1, ints.Get(7).Version);
            Assert.Equal(1, strings.Get(7).Version);
            Assert.Equal(2, ints.CoreCalls + strings.CoreCalls);

            // act
            ints.Remove(7);

            // assert: the Lookup<int> entry is gone, the Lookup<string> one is not
            Assert.Equal(2, ints.Get(7).Version);
            Assert.Equal(1, strings.Get(7).Version);
            Assert.Equal(3, ints.CoreCalls + strings.CoreCalls);
        }
    }
}

namespace CacheGen.IntegrationTests.KeyShapes
{
    public sealed record Filter(string? Vendor, int Page);

    public enum Kind
    {
        Compute,
        Storage,
        Network,
    }

    public sealed record Price(decimal Amount, string Currency) : IFormattable
    {
        public string ToString(string? format, IFormatProvider? formatProvider) => Amount.ToString("N2") + Currency;
    }

    public sealed record Versioned(int Id, int Version);

    public sealed partial class ShapeProbe(ICacheClient cache)
    {
        [Cached("shape", 60, Key = "vendor:{filter.Vendor}:{filter.Page}")]
        public partial string ByVendor(Filter? filter);

        [Cached("shape", 60)]
        public partial string ByKind(Kind kind, Kind? other);

        [Cached("shape", 60)]
        public partial string At(DateTimeOffset at);

        [Cached("shape", 60)]
        public partial string Quote(Price price);

        private string ByVendorCore(Filter? filter) => string.Empty;

        private string ByKindCore(Kind kind, Kind? other) => string.Empty;

        private string AtCore(DateTimeOffset at) => string.Empty;

        private string QuoteCore(Price price) => string.Empty;
    }

    /// <summary>The generic-class case: <c>[InvalidatesCache("lookup", Key = "item:{id}")]</c> beside the <c>[Cached]</c> method.</summary>
    public sealed partial class Lookup<T>(ICacheClient cache)
    {
        public int CoreCalls { get; private set; }

        [Cached("lookup", 60, Key = "item:{id}")]
        public partial Versioned Get(int id);

        [InvalidatesCache("lookup", Key = "item:{id}")]
        public partial void Remove(int id);

        private Versioned GetCore(int id)
        {
            CoreCalls++;
            return new Versioned(id, CoreCalls);
        }

        private void RemoveCore(int id)
        {
        }
    }

    /// <summary>Records the key of each cached call and of each invalidation; always runs the factory.</summary>
    public sealed class KeyRecorder : ICacheClient
    {
        public string? LastKey { get; private set; }

        public string? LastInvalidation { get; private set; }

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

        public ValueTask InvalidateKeyAsync(string @namespace, string key, CancellationToken cancellationToken = default)
        {
            LastInvalidation = @namespace + ":" + key;
            return default;
        }

        public ValueTask InvalidateNamespaceAsync(string @namespace, CancellationToken cancellationToken = default) => default;

        public ValueTask InvalidateTagAsync(string tag, CancellationToken cancellationToken = default) => default;

        public CacheStatistics GetStatistics() => new(0, 0, 0, CircuitState.Closed, 0, "recording");
    }
}
