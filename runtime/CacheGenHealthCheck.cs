using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CacheGen;

/// <summary>
/// Reports the cache's health: Degraded while the store's first connect (and its warm-up) is under way or the circuit is open (calls
/// still succeed, uncached), Unhealthy when the store cannot be configured or refuses the credentials.
/// </summary>
public sealed class CacheGenHealthCheck : IHealthCheck
{
    private readonly CacheClient _client;

    /// <summary>Creates the check.</summary>
    public CacheGenHealthCheck(CacheClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
    }

    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var stats = _client.GetStatistics();
        var data = new Dictionary<string, object>
        {
            ["store"] = stats.Store,
            ["circuit"] = stats.CircuitState.ToString(),
            ["hits"] = stats.Hits,
            ["misses"] = stats.Misses,
            ["errors"] = stats.Errors,
            ["pendingInvalidations"] = stats.PendingInvalidations,
        };
        HealthCheckResult result = _client.DisabledReason is { } reason
            ? HealthCheckResult.Unhealthy("The cache is off: " + reason, data: data)
            : _client.AuthenticationFailed
            ? HealthCheckResult.Unhealthy("The cache store refused the credentials; calls are served without the cache.", data: data)
            : _client.Connecting
            ? HealthCheckResult.Degraded("The cache store is connecting or warming up; calls are served without the cache until the connection is up, and may miss while the first operations warm up.", data: data)
            : stats.CircuitState == CircuitState.Closed
                ? HealthCheckResult.Healthy("The cache store is reachable.", data)
                : HealthCheckResult.Degraded("The cache circuit is " + stats.CircuitState + "; calls are served without the cache.", data: data);
        return Task.FromResult(result);
    }
}
