using CacheGen.Runtime.Tests.Infrastructure;
using CacheGen.Stores;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CacheGen.Runtime.Tests;

public sealed class HealthCheckTests
{
    [Fact]
    public async Task CheckHealthAsync_ClosedCircuit_IsHealthy()
    {
        using var h = new CacheHarness(chaos: false);

        var result = await new CacheGenHealthCheck(h.Client).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal("memory", result.Data["store"]);
    }

    [Fact]
    public async Task CheckHealthAsync_OpenCircuit_IsDegradedThenHealthyAgainAfterRecovery()
    {
        // arrange: five consecutive store failures open the circuit
        using var h = new CacheHarness(o => o.BreakDurationSeconds = 2);
        h.Chaos.FailNext(5);
        for (int i = 0; i < 5; i++)
        {
            await h.Client.GetOrSetAsync(CacheHarness.Method, "k" + i, null, i, static (s, _) => new ValueTask<int>(s));
        }

        // act, assert: degraded while open, with the reason
        var open = await new CacheGenHealthCheck(h.Client).CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Degraded, open.Status);
        Assert.Equal("Open", open.Data["circuit"]);

        // the probe after the break succeeds and closes it
        h.Time.Advance(TimeSpan.FromSeconds(2));
        await h.Client.GetOrSetAsync(CacheHarness.Method, "probe", null, 0, static (s, _) => new ValueTask<int>(s));
        Assert.Equal(HealthStatus.Healthy, (await new CacheGenHealthCheck(h.Client).CheckHealthAsync(new HealthCheckContext())).Status);
    }

    [Fact]
    public async Task CheckHealthAsync_UnusableRedisConfiguration_IsUnhealthyAndCallsStillWork()
    {
        // arrange: what AddCacheGen builds for a malformed Redis URL
        var client = new CacheClient(new UnavailableCacheStore("The Redis URL is malformed."), new SystemTextJsonCacheSerializer(), Microsoft.Extensions.Options.Options.Create(new CacheGenOptions()));

        // act
        int value = await client.GetOrSetAsync(CacheHarness.Method, "k", null, 42, static (s, _) => new ValueTask<int>(s));
        var result = await new CacheGenHealthCheck(client).CheckHealthAsync(new HealthCheckContext());

        // assert: the caller is served, the cache is reported off, and nothing counted as a store error per call
        Assert.Equal(42, value);
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("malformed", result.Description, StringComparison.Ordinal);
        Assert.Equal(0, client.GetStatistics().Errors);
        client.Dispose();
    }
}
