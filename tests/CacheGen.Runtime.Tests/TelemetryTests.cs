using CacheGen.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace CacheGen.Runtime.Tests;

/// <summary>docs/design.md G4: every outcome is metered and logged, with low-cardinality tags and keys at Debug only.</summary>
public sealed class TelemetryTests
{
    private const string SecretKey = "user-4711-alice@example.com";

    [Fact]
    public async Task GetOrSetAsync_MissThenHit_RecordsRequestsByResultAndNamespaceNeverTheKey()
    {
        // arrange
        using var h = new CacheHarness();
        var source = new Source("v1");

        // act
        await h.GetAsync(source, SecretKey);
        await h.GetAsync(source, SecretKey);

        // assert
        var requests = h.Requests.Get();
        Assert.Equal(["miss", "hit"], requests.Select(m => m.Tag(CacheGenDiagnostics.ResultTag)));
        Assert.All(requests, m => Assert.Equal("ns", m.Tag(CacheGenDiagnostics.NamespaceTag)));
        string[] tagValues =
        [
            .. new[] { h.Requests, h.Errors, h.BreakerTransitions, h.PendingInvalidations, h.KeysRemoved, h.ReadOnlyState }.SelectMany(c => c.GetMeasurementSnapshot()).SelectMany(m => m.Tags.Values).Select(v => v?.ToString() ?? string.Empty),
            .. h.Duration.GetMeasurementSnapshot().SelectMany(m => m.Tags.Values).Select(v => v?.ToString() ?? string.Empty),
        ];
        Assert.NotEmpty(tagValues);
        Assert.All(tagValues, v => Assert.DoesNotContain(SecretKey, v, StringComparison.Ordinal));
        Assert.Equal(["read", "ensure_stamp", "ensure_stamp", "reserve", "write", "read"], h.Duration.Get().Select(m => m.Tag(CacheGenDiagnostics.OperationTag)));
    }

    [Fact]
    public void Instruments_HaveUnitsAndDescriptions()
    {
        // arrange
        using var h = new CacheHarness();

        // act: every instrument of this client's meter (scope: the harness's factory), whether the harness collects it or not
        var instruments = new Dictionary<string, System.Diagnostics.Metrics.Instrument>(StringComparer.Ordinal);
        using (var listener = new System.Diagnostics.Metrics.MeterListener())
        {
            listener.InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == CacheGenDiagnostics.MeterName && ReferenceEquals(instrument.Meter.Scope, h.Meters))
                {
                    instruments[instrument.Name] = instrument;
                }
            };
            listener.Start();
        }

        // assert
        Assert.Equal("s", instruments[CacheGenDiagnostics.DurationInstrument].Unit);
        Assert.All(instruments.Values, i => Assert.False(string.IsNullOrEmpty(i.Unit), i.Name));
        Assert.All(instruments.Values, i => Assert.False(string.IsNullOrEmpty(i.Description), i.Name));
        Assert.Contains(CacheGenDiagnostics.RequestsInstrument, instruments.Keys);
        Assert.Contains(CacheGenDiagnostics.ErrorsInstrument, instruments.Keys);
        Assert.Contains(CacheGenDiagnostics.BreakerTransitionsInstrument, instruments.Keys);
        Assert.Contains(CacheGenDiagnostics.PendingInvalidationsInstrument, instruments.Keys);

        // the harness has a collector for each, so the tag checks above see every instrument
        Assert.Equal(instruments.Keys.Order(StringComparer.Ordinal), h.Collectors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task GetOrSetAsync_BreakerCycle_CountsEachTransitionOnce()
    {
        // arrange
        using var h = new CacheHarness();
        var source = new Source("v1");
        h.Chaos.Faulted = true;

        // act
        for (int i = 0; i < h.Options.BreakerFailureThreshold + 3; i++)
        {
            await h.GetAsync(source, "k" + i);
        }

        h.Chaos.Faulted = false;
        h.Time.Advance(TimeSpan.FromSeconds(h.Options.BreakDurationSeconds));
        await h.GetAsync(source, "probe");
        await h.GetAsync(source, "after");

        // assert
        var transitions = h.BreakerTransitions.Get();
        Assert.Equal(["open", "half_open", "closed"], transitions.Select(m => m.Tag(CacheGenDiagnostics.StateTag)));
        Assert.Equal([20, 21, 22], h.Logger.Collector.GetSnapshot().Where(e => e.Id.Id is >= 20 and < 30).Select(e => e.Id.Id));
    }

    [Fact]
    public async Task GetOrSetAsync_MissThenHit_LogsEventIdsAtDebug()
    {
        // arrange
        using var h = new CacheHarness();
        var source = new Source("v1");

        // act
        await h.GetAsync(source, SecretKey);
        await h.GetAsync(source, SecretKey);

        // assert
        var cacheEvents = h.Logger.Collector.GetSnapshot().Where(e => e.Id.Id is 1 or 2 or 3).ToList();
        Assert.Equal([2, 3, 1], cacheEvents.Select(e => e.Id.Id));
        Assert.All(cacheEvents, e => Assert.Equal(LogLevel.Debug, e.Level));
        Assert.Equal(["CacheMiss", "CacheSet", "CacheHit"], cacheEvents.Select(e => e.Id.Name));
    }

    [Fact]
    public async Task GetOrSetAsync_RepeatedStoreErrors_WarnOnceThenDebugUntilRecovery()
    {
        // arrange
        using var h = new CacheHarness(o => o.BreakerFailureThreshold = 100);
        var source = new Source("v1");
        h.Chaos.Faulted = true;

        // act
        for (int i = 0; i < 10; i++)
        {
            await h.GetAsync(source, "k" + i);
        }

        h.Chaos.Faulted = false;
        await h.GetAsync(source, "recovered");
        h.Chaos.Faulted = true;
        await h.GetAsync(source, "again");

        // assert
        var errors = h.Logger.Collector.GetSnapshot().Where(e => e.Id.Id is 10 or 11).ToList();
        Assert.Equal([10, .. Enumerable.Repeat(11, 9), 10], errors.Select(e => e.Id.Id));
        Assert.All(errors.Where(e => e.Id.Id == 10), e => Assert.Equal(LogLevel.Warning, e.Level));
        Assert.All(errors.Where(e => e.Id.Id == 11), e => Assert.Equal(LogLevel.Debug, e.Level));
    }

    [Fact]
    public async Task GetOrSetAsync_CircuitOpens_LogsCircuitOpenedWarningOnce()
    {
        // arrange
        using var h = new CacheHarness();
        var source = new Source("v1");
        h.Chaos.Faulted = true;

        // act
        for (int i = 0; i < 20; i++)
        {
            await h.GetAsync(source, "k" + i);
        }

        // assert
        var opened = Assert.Single(h.Logger.Collector.GetSnapshot(), e => e.Id.Id == 20);
        Assert.Equal(LogLevel.Warning, opened.Level);
        Assert.Contains("5 consecutive faults", opened.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllOperations_KeysAppearOnlyInDebugLogs()
    {
        // arrange: every path that logs, with a key that must stay out of Information and above
        using var h = new CacheHarness(o => o.MaxPayloadBytes = 64);
        var source = new Source("v1");
        await h.GetAsync(source, SecretKey);
        await h.GetAsync(source, SecretKey);
        await h.Chaos.PutRawAsync(h.FullKey(SecretKey + "-corrupt"), [1, 2, 3]);
        await h.GetAsync(source, SecretKey + "-corrupt");
        await h.GetAsync(new Source(new string('x', 200)), SecretKey + "-big");
        h.Chaos.Faulted = true;

        // act
        for (int i = 0; i < 6; i++)
        {
            await h.GetAsync(source, SecretKey + i);
        }

        await h.Client.InvalidateKeyAsync("ns", SecretKey);

        // assert
        Assert.Contains(h.Logger.Collector.GetSnapshot(), e => e.Level == LogLevel.Debug && e.Message.Contains(SecretKey, StringComparison.Ordinal));
        Assert.All(
            h.Logger.Collector.GetSnapshot().Where(e => e.Level > LogLevel.Debug),
            e => Assert.DoesNotContain(SecretKey, e.Message + e.Exception, StringComparison.Ordinal));
    }
}
