namespace CacheGen.IntegrationTests
{
    using CacheGen.IntegrationTests.BehaviourProbes;

    /// <summary>What generated invalidators do around Core, and the key catalogue they register; no store involved.</summary>
    public sealed class GeneratedBehaviourTests
    {
        [Fact]
        public async Task Invalidator_WhenCoreThrows_InvalidatesNothing()
        {
            var cache = new CountingCacheClient();
            var service = new Inventory(cache);

            await Assert.ThrowsAsync<InvalidOperationException>(() => service.MoveAsync(7, fail: true));
            Assert.Throws<InvalidOperationException>(() => service.Reset(fail: true));

            Assert.Empty(cache.Invalidations);
        }

        [Fact]
        public async Task Invalidator_AfterCoreSucceeds_RunsEveryInvalidationWithTheArgumentsAsPassed()
        {
            var cache = new CountingCacheClient();
            var service = new Inventory(cache);

            await service.MoveAsync(7, fail: false);
            service.Reset(fail: false);

            Assert.Equal(
                ["key stock stock:7", "tag shelf:7", "namespace stock"],
                cache.Invalidations);
        }

        [Fact]
        public void Catalogue_ListsThisAssemblysMethods()
        {
            var entry = Assert.Single(CacheCatalog.Entries, e => e.Method.StartsWith("CacheGen.IntegrationTests.BehaviourProbes.Inventory.GetAsync", StringComparison.Ordinal));
            Assert.Equal(("stock", "stock:{id}", 30), (entry.Namespace, entry.KeyTemplate, entry.TtlSeconds));
            Assert.Equal(["shelf:{id}"], entry.Tags);
            Assert.Contains(CacheCatalog.Invalidators, i => i.Method.Contains("Inventory.MoveAsync", StringComparison.Ordinal) && i.Namespace == "stock" && i.KeyTemplate == "stock:{id}");
            Assert.Contains(CacheCatalog.Invalidators, i => i.Method.Contains("Inventory.Reset", StringComparison.Ordinal) && i.Namespace == "stock" && i.KeyTemplate is null);
        }
    }
}

namespace CacheGen.IntegrationTests.BehaviourProbes
{
    public sealed partial class Inventory(ICacheClient cache)
    {
        private int _moves;

        [Cached("stock", 30, Key = "stock:{id}", Tags = ["shelf:{id}"])]
        public partial Task<int> GetAsync(int id);

        [InvalidatesCache("stock", Key = "stock:{id}")]
        [InvalidatesCache(Tags = ["shelf:{id}"])]
        public partial Task MoveAsync(int id, [NotCacheKey] bool fail);

        [InvalidatesCache("stock")]
        public partial void Reset(bool fail);

        private Task<int> GetAsyncCore(int id) => Task.FromResult(id + _moves);

        private Task MoveAsyncCore(int id, bool fail) =>
            fail ? Task.FromException(new InvalidOperationException("move failed")) : Task.FromResult(_moves++);

        private void ResetCore(bool fail)
        {
            if (fail)
            {
                throw new InvalidOperationException("reset failed");
            }
        }
    }

    /// <summary>Records invalidations in order; reads always run the factory.</summary>
    public sealed class CountingCacheClient : ICacheClient
    {
        public List<string> Invalidations { get; } = [];

        public ValueTask<T> GetOrSetAsync<TState, T>(CachedMethod method, string key, string[]? tags, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, CancellationToken cancellationToken = default) =>
            factory(state, cancellationToken);

        public T GetOrSet<TState, T>(CachedMethod method, string key, string[]? tags, TState state, Func<TState, T> factory) => factory(state);

        public ValueTask InvalidateKeyAsync(string @namespace, string key, CancellationToken cancellationToken = default)
        {
            Invalidations.Add($"key {@namespace} {key}");
            return default;
        }

        public ValueTask InvalidateNamespaceAsync(string @namespace, CancellationToken cancellationToken = default)
        {
            Invalidations.Add($"namespace {@namespace}");
            return default;
        }

        public ValueTask InvalidateTagAsync(string tag, CancellationToken cancellationToken = default)
        {
            Invalidations.Add($"tag {tag}");
            return default;
        }

        public CacheStatistics GetStatistics() => new(0, 0, 0, CircuitState.Closed, 0, "counting");
    }
}
