using CacheGen.Stores;

namespace CacheGen.Runtime.Tests.Infrastructure;

/// <summary>
/// One <see cref="CacheClient"/> on a <see cref="ManualTimeProvider"/> with its store, logger and metrics, for a
/// single test. The client talks to <see cref="Chaos"/> (a pass-through until told otherwise) or, with
/// <c>chaos: false</c>, straight to <see cref="Memory"/>.
/// </summary>
public sealed class CacheHarness : IDisposable
{
    /// <summary>The descriptor most tests cache under.</summary>
    public static readonly CachedMethod Method = new("ns", "T.M~1", 60, "fp");

    /// <summary>Creates the harness.</summary>
    /// <param name="configure">Changes the options before the client is built.</param>
    /// <param name="chaos">Whether the client goes through <see cref="Chaos"/>.</param>
    /// <param name="clientTime">The client's clock; the harness's <see cref="Time"/> by default.</param>
    /// <param name="memory">A store shared with another harness, for two clients on one store.</param>
    /// <param name="delayClock">The clock of <see cref="ChaosCacheStore.Delay"/>; <see cref="Time"/> by default.</param>
    public CacheHarness(Action<CacheGenOptions>? configure = null, bool chaos = true, TimeProvider? clientTime = null, MemoryCacheStore? memory = null, TimeProvider? delayClock = null)
    {
        Time = new ManualTimeProvider();
        Options = new CacheGenOptions();
        configure?.Invoke(Options);
        Memory = memory ?? new MemoryCacheStore(Time);
        Chaos = new ChaosCacheStore(Memory, delayClock ?? Time);
        Logger = new TestLogger<CacheClient>();
        Meters = new TestMeterFactory();
        Metrics = new MetricCollector(Meters);
        Client = new CacheClient(
            chaos ? Chaos : Memory,
            new SystemTextJsonCacheSerializer(),
            Microsoft.Extensions.Options.Options.Create(Options),
            Logger,
            clientTime ?? Time,
            Meters);
    }

    /// <summary>Gets the clock of the store, the delays and (by default) the client.</summary>
    public ManualTimeProvider Time { get; }

    /// <summary>Gets the options the client was built with.</summary>
    public CacheGenOptions Options { get; }

    /// <summary>Gets the in-memory store underneath.</summary>
    public MemoryCacheStore Memory { get; }

    /// <summary>Gets the fault-injecting wrapper.</summary>
    public ChaosCacheStore Chaos { get; }

    /// <summary>Gets the client's logger.</summary>
    public TestLogger<CacheClient> Logger { get; }

    /// <summary>Gets the meter factory the client's meter comes from.</summary>
    public TestMeterFactory Meters { get; }

    /// <summary>Gets the client's measurements.</summary>
    public MetricCollector Metrics { get; }

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
        Metrics.Dispose();
        Meters.Dispose();
    }
}
