using CacheGen.Runtime.Tests.Infrastructure;

namespace CacheGen.Runtime.Tests;

/// <summary>
/// docs/design.md S14-a: an invalidation that lands while a miss is computing must not let the value read
/// before it be served afterwards. The write-back is refused (by key) or written under a stale stamp (by
/// namespace or tag); either way the next call runs the factory and returns the new value.
/// </summary>
public sealed class InvalidationRaceTests
{
    public enum InvalidationKind
    {
        Key,
        Namespace,
        Tag,
    }

    private static readonly string[] s_tags = ["tag-1", "all"];

    [Theory]
    [InlineData(InvalidationKind.Key, false)]
    [InlineData(InvalidationKind.Key, true)]
    [InlineData(InvalidationKind.Namespace, false)]
    [InlineData(InvalidationKind.Namespace, true)]
    [InlineData(InvalidationKind.Tag, false)]
    [InlineData(InvalidationKind.Tag, true)]
    public async Task GetOrSetAsync_InvalidatedWhileFactoryRuns_NextCallReturnsTheNewValue(InvalidationKind kind, bool warmBefore)
    {
        // arrange
        using var h = new CacheHarness();
        var source = new Source("old");
        if (warmBefore)
        {
            source.Value = "older";
            await h.GetAsync(source, tags: s_tags);
            await InvalidateAsync(h.Client, kind);
            source.Value = "old";
        }

        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        source.Gate = gate;
        source.ResetRead();
        int callsBefore = source.Calls;
        var inFlight = h.GetAsync(source, tags: s_tags).AsTask();
        await source.Read.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // act
        source.Value = "new";
        await InvalidateAsync(h.Client, kind);
        gate.SetResult();
        string raced = await inFlight.WaitAsync(TimeSpan.FromSeconds(10));
        source.Gate = null;
        string next = await h.GetAsync(source, tags: s_tags);
        string afterThat = await h.GetAsync(source, tags: s_tags);

        // assert
        Assert.Equal("old", raced);
        Assert.Equal("new", next);
        Assert.Equal("new", afterThat);
        Assert.Equal(callsBefore + 2, source.Calls);
        if (kind == InvalidationKind.Key)
        {
            // the write-back itself was refused by the conditional write
            Assert.Contains(h.Logger.Collector.GetSnapshot(), e => e.Id.Id == 4);
            Assert.Equal(1, h.Errors.Sum((CacheGenDiagnostics.ErrorTypeTag, "write_rejected")));
        }
    }

    [Theory]
    [InlineData(InvalidationKind.Key)]
    [InlineData(InvalidationKind.Namespace)]
    [InlineData(InvalidationKind.Tag)]
    public async Task GetOrSet_InvalidatedWhileSyncFactoryRuns_NextCallReturnsTheNewValue(InvalidationKind kind)
    {
        // arrange
        using var h = new CacheHarness();
        var source = new Source("old");
        string Factory(Source s)
        {
            string value = s.Get();
            s.Value = "new";
            InvalidateAsync(h.Client, kind).AsTask().GetAwaiter().GetResult();
            return value;
        }

        // act
        string raced = h.Client.GetOrSet(CacheHarness.Method, "k", s_tags, source, Factory);
        string next = await h.GetAsync(source, tags: s_tags);

        // assert
        Assert.Equal("old", raced);
        Assert.Equal("new", next);
    }

    [Fact]
    public async Task GetOrSetAsync_TombstoneLostWhileFactoryRuns_LateWriteBackIsRefused()
    {
        // arrange: issue 9 — a miss of an absent key; while the factory runs the key is invalidated and the
        // tombstone is lost (evicted under maxmemory; deleted here), so the key is absent again at write-back time
        using var h = new CacheHarness(chaos: false);
        var source = new Source("old");
        async ValueTask<string> Factory(Source s, CancellationToken ct)
        {
            string value = await s.GetAsync(ct);
            s.Value = "new";
            await h.Client.InvalidateKeyAsync(CacheHarness.Method.Namespace, "k");
            Assert.Equal(1, await h.Memory.RemoveByPatternAsync(h.FullKey(), ct));
            return value;
        }

        // act
        string raced = await h.Client.GetOrSetAsync(CacheHarness.Method, "k", null, source, Factory);
        string next = await h.GetAsync(source);

        // assert: the lost tombstone cost a miss, not the old value
        Assert.Equal("old", raced);
        Assert.Equal("new", next);
        Assert.Contains(h.Logger.Collector.GetSnapshot(), e => e.Id.Id == 4);
    }

    [Fact]
    public async Task GetOrSetAsync_ReservationLostWhileFactoryRuns_WriteBackRefusedNextCallCaches()
    {
        // arrange: the reservation itself is lost (evicted) during the factory, with no invalidation
        using var h = new CacheHarness(chaos: false);
        var source = new Source("v1");
        async ValueTask<string> Factory(Source s, CancellationToken ct)
        {
            string value = await s.GetAsync(ct);
            Assert.Equal(1, await h.Memory.RemoveByPatternAsync(h.FullKey(), ct));
            return value;
        }

        // act
        string first = await h.Client.GetOrSetAsync(CacheHarness.Method, "k", null, source, Factory);
        string second = await h.GetAsync(source);
        string third = await h.GetAsync(source);

        // assert: one extra miss, then cached as usual
        Assert.Equal(["v1", "v1", "v1"], new[] { first, second, third });
        Assert.Equal(2, source.Calls);
    }

    [Fact]
    public async Task GetOrSetAsync_1000RandomInterleavingsWithInvalidation_NoStaleResults()
    {
        // arrange: two runtime instances on one store; each round races one call against one invalidation
        var random = new Random(424242);
        using var a = new CacheHarness();
        using var b = new CacheHarness(memory: a.Memory);
        var versions = new int[4];
        int stale = 0;
        var failures = new List<string>();

        for (int round = 0; round < 1000; round++)
        {
            int k = random.Next(versions.Length);
            var kind = (InvalidationKind)random.Next(3);
            var point = (RacePoint)random.Next(4);
            var caller = random.Next(2) == 0 ? a : b;
            var invalidator = random.Next(2) == 0 ? a : b;
            var reader = random.Next(2) == 0 ? a : b;
            string[] tags = ["tag-" + k, "all"];
            if (random.Next(2) == 0)
            {
                await GetVersionAsync(caller, versions, k, tags, new Attempt());
            }

            var attempt = new Attempt
            {
                BeforeRead = point == RacePoint.BeforeFactoryRead ? NewGate() : null,
                AfterRead = point == RacePoint.AfterFactoryRead ? NewGate() : null,
                Spin = point == RacePoint.Free ? random.Next(0, 2000) : 0,
            };
            int invalidatorSpin = random.Next(0, 2000);

            // act
            var call = GetVersionAsync(caller, versions, k, tags, attempt);
            switch (point)
            {
                case RacePoint.BeforeFactoryRead:
                case RacePoint.AfterFactoryRead:
                    var reached = point == RacePoint.BeforeFactoryRead ? attempt.Started.Task : attempt.ReadDone.Task;
                    await Task.WhenAny(reached, call).WaitAsync(TimeSpan.FromSeconds(10));
                    Interlocked.Increment(ref versions[k]);
                    await InvalidateAsync(invalidator.Client, kind, "k" + k, "tag-" + k);
                    attempt.BeforeRead?.TrySetResult();
                    attempt.AfterRead?.TrySetResult();
                    await call.WaitAsync(TimeSpan.FromSeconds(10));
                    break;
                case RacePoint.Free:
                    var racer = Task.Run(async () =>
                    {
                        Thread.SpinWait(invalidatorSpin);
                        Interlocked.Increment(ref versions[k]);
                        await InvalidateAsync(invalidator.Client, kind, "k" + k, "tag-" + k);
                    });
                    await Task.WhenAll(call, racer).WaitAsync(TimeSpan.FromSeconds(10));
                    break;
                default:
                    await call.WaitAsync(TimeSpan.FromSeconds(10));
                    Interlocked.Increment(ref versions[k]);
                    await InvalidateAsync(invalidator.Client, kind, "k" + k, "tag-" + k);
                    break;
            }

            int next = await GetVersionAsync(reader, versions, k, tags, new Attempt());

            // assert (collected, so one failure reports the whole picture)
            if (next != Volatile.Read(ref versions[k]))
            {
                stale++;
                if (failures.Count < 5)
                {
                    failures.Add($"round {round}: {kind} at {point} returned version {next}, current {versions[k]}");
                }
            }
        }

        Assert.True(stale == 0, $"{stale} stale results: " + string.Join("; ", failures));
        Assert.Equal(0, a.Client.GetStatistics().Errors + b.Client.GetStatistics().Errors);
    }

    private enum RacePoint
    {
        BeforeFactoryRead,
        AfterFactoryRead,
        Free,
        AfterCompletion,
    }

    private static TaskCompletionSource NewGate() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static Task<int> GetVersionAsync(CacheHarness h, int[] versions, int k, string[] tags, Attempt attempt) =>
        h.Client.GetOrSetAsync(
            CacheHarness.Method,
            "k" + k,
            tags,
            (versions, k, attempt),
            static async (s, ct) =>
            {
                s.attempt.Started.TrySetResult();
                if (s.attempt.BeforeRead is { } before)
                {
                    await before.Task;
                }
                else if (s.attempt.Spin > 0)
                {
                    Thread.SpinWait(s.attempt.Spin);
                    await Task.Yield();
                }

                int version = Volatile.Read(ref s.versions[s.k]);
                s.attempt.ReadDone.TrySetResult();
                if (s.attempt.AfterRead is { } after)
                {
                    await after.Task;
                }

                return version;
            }).AsTask();

    private static ValueTask InvalidateAsync(CacheClient client, InvalidationKind kind, string key = "k", string tag = "tag-1") => kind switch
    {
        InvalidationKind.Key => client.InvalidateKeyAsync("ns", key),
        InvalidationKind.Namespace => client.InvalidateNamespaceAsync("ns"),
        _ => client.InvalidateTagAsync(tag),
    };

    private sealed class Attempt
    {
        public TaskCompletionSource Started { get; } = NewGate();

        public TaskCompletionSource ReadDone { get; } = NewGate();

        public TaskCompletionSource? BeforeRead { get; init; }

        public TaskCompletionSource? AfterRead { get; init; }

        public int Spin { get; init; }
    }
}
