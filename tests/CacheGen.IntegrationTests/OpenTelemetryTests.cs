using CacheGen.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace CacheGen.IntegrationTests;

/// <summary>
/// Issue 13 item 3: CacheGen's metrics and spans reach OpenTelemetry with one documented line each,
/// <c>AddMeter(CacheGenDiagnostics.MeterName)</c> and <c>AddSource(CacheGenDiagnostics.ActivitySourceName)</c>, seen by
/// the in-memory exporters (OpenTelemetry 1.20.1), with CacheGen
/// built by <c>AddCacheGen</c> (its meter comes from the host's <c>IMeterFactory</c>) over a real Redis.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class OpenTelemetryTests(RedisServerFixture server)
{
    private static readonly CachedMethod s_method = new("otel", "Otel.Get", 300, "fp-otel");

    [RedisFact]
    public async Task AddMeterAndAddSourceCacheGen_InMemoryExporters_SeeHitsMissesDurationsAndSpans()
    {
        // arrange
        var spans = new List<System.Diagnostics.Activity>();
        using var tracer = Sdk.CreateTracerProviderBuilder()
            .AddSource(CacheGenDiagnostics.ActivitySourceName)
            .AddInMemoryExporter(spans)
            .Build();
        var exported = new List<Metric>();
        using var meters = Sdk.CreateMeterProviderBuilder()
            .AddMeter(CacheGenDiagnostics.MeterName)
            .AddInMemoryExporter(exported)
            .Build();
        var services = new ServiceCollection().AddMetrics().AddLogging();
        services.AddCacheGen(o =>
        {
            o.Redis = server.Configuration;
            o.KeyPrefix = TestCache.NewPrefix();
            o.OperationTimeoutMs = 5000;
        });
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<CacheClient>();
        ValueTask<string> GetAsync() => client.GetOrSetAsync(s_method, "k", null, 0, static (_, _) => new ValueTask<string>("v"));

        // act: a miss (retried until the connect finished), then two hits
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (client.GetStatistics().Hits == 0 && DateTime.UtcNow < deadline)
        {
            await GetAsync();
            await Task.Delay(20);
        }

        await GetAsync();
        meters.ForceFlush();
        tracer.ForceFlush();

        // other tests of the run make CacheGen spans and measurements too: stop listening, then count this test's namespace only
        tracer.Dispose();

        // assert
        var requests = Assert.Single(exported, m => m.Name == CacheGenDiagnostics.RequestsInstrument && m.MeterName == CacheGenDiagnostics.MeterName);
        var byResult = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (ref readonly var point in requests.GetMetricPoints())
        {
            string? result = null;
            string? ns = null;
            foreach (var tag in point.Tags)
            {
                result = tag.Key == CacheGenDiagnostics.ResultTag ? (string)tag.Value! : result;
                ns = tag.Key == CacheGenDiagnostics.NamespaceTag ? (string)tag.Value! : ns;
            }

            if (ns == s_method.Namespace && result is not null)
            {
                byResult[result] = byResult.GetValueOrDefault(result) + point.GetSumLong();
            }
        }

        var stats = client.GetStatistics();
        Assert.Equal(stats.Hits, byResult.GetValueOrDefault("hit"));
        Assert.Equal(stats.Hits + stats.Misses, byResult.Values.Sum()); // every call once: hit, miss, or error (a miss the store failed)
        Assert.True(stats.Hits >= 2);
        Assert.Contains(exported, m => m.Name == CacheGenDiagnostics.DurationInstrument);
        var cached = spans.Where(a => a.OperationName == CacheGenDiagnostics.GetOrSetActivityName && a.GetTagItem(CacheGenDiagnostics.NamespaceTag) as string == s_method.Namespace).ToList();
        Assert.Equal(stats.Hits, cached.Count(a => a.GetTagItem(CacheGenDiagnostics.ResultTag) as string == "hit"));
        Assert.Contains(cached, a => a.GetTagItem(CacheGenDiagnostics.ResultTag) as string == "miss");
    }
}
