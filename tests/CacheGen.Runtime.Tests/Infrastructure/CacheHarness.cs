using System.Diagnostics.Metrics;
using CacheGen.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace CacheGen.Runtime.Tests.Infrastructure;

/// <summary>
/// One <see cref="CacheClient"/> on a <see cref="FakeTimeProvider"/> with its store, a <see cref="FakeLogger{T}"/> and a
/// <see cref="MetricCollector{T}"/> per instrument (on the framework's <see cref="IMeterFactory"/>), for a
/// single test. The client talks to <see cref="Chaos"/> (a pass-through until told otherwise) or, with
/// <c>chaos: false</c>, straight to <see cref="Memory"/>.
/// </summary>
public sealed class CacheHarness : IDisposable
{
    /// <summary>The descriptor most tests cache under.</summary>
    public static readonly CachedMethod Method = new("ns", "T.M~1", 60, "fp");

    /// <summary>Where <see cref="Time"/> starts (some tests put another client's clock minutes before or after it).</summary>
    public static readonly DateTimeOffset Start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly ServiceProvider _services;

    /// <summary>Creates the harness.</summary>
    /// <param name="configure">Changes the options before the client is built.</param>
    /// <param name="chaos">Whether the client goes through <see cref="Chaos"/>.</param>
    /// <param name="clientTime">The client's clock; the harness's <see cref="Time"/> by default.</param>
    /// <param name="memory">A store shared with another harness, for two clients on one store.</param>
    /// <param name="delayClock">The clock of <see cref="ChaosCacheStore.Delay"/>; <see cref="Time"/> by default.</param>
    /// <param name="embedded">
    /// Whether <see cref="Memory"/> is made as <c>AddCacheGen</c> makes it with no Redis (<see cref="MemoryCacheStore.Embedded"/>:
    /// L1 is then the store of its namespaces); the client then talks to it directly, as with <c>chaos: false</c>.
    /// </param>
    public CacheHarness(Action<CacheGenOptions>? configure = null, bool chaos = true, TimeProvider? clientTime = null, MemoryCacheStore? memory = null, TimeProvider? delayClock = null, bool embedded = false)
    {
        Time = new TimerCountingTimeProvider(Start);
        Options = new CacheGenOptions();
        configure?.Invoke(Options);
        Memory = memory ?? new MemoryCacheStore(Time) { Embedded = embedded };
        Chaos = new ChaosCacheStore(Memory, delayClock ?? Time);
        Logger = new FakeLogger<CacheClient>();
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        Meters = _services.GetRequiredService<IMeterFactory>();

        // one collector per instrument, listening to this client's meter only (its scope is this factory)
        Requests = Collect<long>(CacheGenDiagnostics.RequestsInstrument);
        Errors = Collect<long>(CacheGenDiagnostics.ErrorsInstrument);
        Duration = Collect<double>(CacheGenDiagnostics.DurationInstrument);
        BreakerTransitions = Collect<long>(CacheGenDiagnostics.BreakerTransitionsInstrument);
        PendingInvalidations = Collect<long>(CacheGenDiagnostics.PendingInvalidationsInstrument);
        KeysRemoved = Collect<long>(CacheGenDiagnostics.KeysRemovedInstrument);
        ReadOnlyState = Collect<long>(CacheGenDiagnostics.ReadOnlyInstrument);
        Client = new CacheClient(
            chaos && !embedded ? Chaos : Memory,
            new SystemTextJsonCacheSerializer(),
            Microsoft.Extensions.Options.Options.Create(Options),
            Logger,
            clientTime ?? Time,
            Meters);
    }

    /// <summary>Gets the clock of the store, the delays and (by default) the client.</summary>
    public TimerCountingTimeProvider Time { get; }

    /// <summary>Gets the options the client was built with.</summary>
    public CacheGenOptions Options { get; }

    /// <summary>Gets the in-memory store underneath.</summary>
    public MemoryCacheStore Memory { get; }

    /// <summary>Gets the fault-injecting wrapper.</summary>
    public ChaosCacheStore Chaos { get; }

    /// <summary>Gets the client's logger (its records: <c>Logger.Collector.GetSnapshot()</c>).</summary>
    public FakeLogger<CacheClient> Logger { get; }

    /// <summary>Gets the meter factory the client's meter comes from.</summary>
    public IMeterFactory Meters { get; }

    /// <summary>Gets <c>cachegen.requests</c>.</summary>
    public MetricCollector<long> Requests { get; }

    /// <summary>Gets <c>cachegen.errors</c>.</summary>
    public MetricCollector<long> Errors { get; }

    /// <summary>Gets <c>cachegen.operation.duration</c>.</summary>
    public MetricCollector<double> Duration { get; }

    /// <summary>Gets <c>cachegen.breaker.transitions</c>.</summary>
    public MetricCollector<long> BreakerTransitions { get; }

    /// <summary>Gets the pending-invalidations gauge (observable: call its <c>RecordObservableInstruments</c>).</summary>
    public MetricCollector<long> PendingInvalidations { get; }

    /// <summary>Gets the keys-removed counter.</summary>
    public MetricCollector<long> KeysRemoved { get; }

    /// <summary>Gets the read-only gauge (observable: call its <c>RecordObservableInstruments</c>).</summary>
    public MetricCollector<long> ReadOnlyState { get; }

    /// <summary>Gets every collector above by instrument name.</summary>
    public IReadOnlyDictionary<string, IDisposable> Collectors { get; } = new Dictionary<string, IDisposable>(StringComparer.Ordinal);

    /// <summary>Gets the client under test.</summary>
    public CacheClient Client { get; }

    /// <summary>Calls <see cref="CacheClient.GetOrSetAsync{TState, T}"/> with <paramref name="source"/> as the factory.</summary>
    public ValueTask<string> GetAsync(Source source, string key = "k", string[]? tags = null, CachedMethod? method = null, CancellationToken cancellationToken = default) =>
        Client.GetOrSetAsync(method ?? Method, key, tags, source, static (s, ct) => s.GetAsync(ct), cancellationToken);

    /// <summary>Gets the full key of <paramref name="key"/> under <see cref="Method"/>'s namespace.</summary>
    public string FullKey(string key = "k") => Client.GetFullKey(Method.Namespace, key);

    /// <inheritdoc/>
    public void Dispose()
    {
        Client.Dispose();
        foreach (var collector in Collectors.Values)
        {
            collector.Dispose();
        }

        _services.Dispose();
    }

    private MetricCollector<T> Collect<T>(string instrument)
        where T : struct
    {
        var collector = new MetricCollector<T>(Meters, CacheGenDiagnostics.MeterName, instrument);
        ((Dictionary<string, IDisposable>)Collectors).Add(instrument, collector);
        return collector;
    }
}
