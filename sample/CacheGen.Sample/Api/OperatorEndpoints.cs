using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace CacheGen.Sample.Api;

/// <summary>
/// The seed systems' operator endpoints, behind <see cref="AdminKeyFilter"/>: cache statistics with their field names,
/// pattern invalidation, clear-all, and a detailed health report. Errors are problem details; a store that cannot run
/// a command is a 503 with the reason, never a bare 500.
/// </summary>
public static class OperatorEndpoints
{
    /// <summary>The longest key pattern accepted.</summary>
    public const int MaxPatternLength = 256;

    /// <summary>Maps <c>/health/cache/stats</c>, <c>/health/cache/invalidate/{pattern}</c>, <c>/health/cache/clear</c> and <c>/health/detailed</c>.</summary>
    public static void MapOperatorApi(this IEndpointRouteBuilder app)
    {
        var ops = app.MapGroup("/health").AddEndpointFilter<AdminKeyFilter>();
        ops.MapGet("/cache/stats", GetStatsAsync);
        ops.MapDelete("/cache/invalidate/{pattern}", InvalidateAsync);
        ops.MapPost("/cache/clear", ClearAsync);
        ops.MapGet("/detailed", GetDetailedAsync);
    }

    private static async Task<IResult> GetStatsAsync(CacheClient client, IOptions<CacheGenOptions> options, CancellationToken ct)
    {
        var s = await client.GetStatisticsAsync(ct);
        return TypedResults.Ok(new
        {
            enabled = options.Value.Enabled && client.DisabledReason is null,
            available = IsAvailable(client, s),
            store = s.Store,
            circuit_state = s.CircuitState.ToString().ToLowerInvariant(),
            failure_count = s.Errors,
            hits = s.Hits,
            misses = s.Misses,
            hit_rate = Math.Round(s.HitRate, 4),
            pending_invalidations = s.PendingInvalidations,
            read_only = s.ReadOnly,
            keyspace_hits = s.RedisKeyspaceHits,
            keyspace_misses = s.RedisKeyspaceMisses,
            used_memory = s.RedisUsedMemoryBytes,
            connected_clients = s.RedisConnectedClients,
            l1_entries = s.L1Entries,
            l1_bytes = s.L1Bytes,
        });
    }

    private static async Task<IResult> InvalidateAsync(string pattern, ICacheAdmin admin, CancellationToken ct)
    {
        // {namespace}:{glob over the escaped key}: the namespace is a plain name, so no pattern reaches past
        // {prefix}:{namespace}: (other namespaces, the invalidation stamps, other applications' keys)
        int colon = pattern.IndexOf(':', StringComparison.Ordinal);
        string ns = colon > 0 ? pattern[..colon] : string.Empty;
        string glob = colon > 0 ? pattern[(colon + 1)..] : string.Empty;
        string[] known = Services.RackPlanningService.Namespaces;
        if (pattern.Length > MaxPatternLength)
        {
            return Invalid($"At most {MaxPatternLength} characters.");
        }

        if (!known.Contains(ns, StringComparer.Ordinal))
        {
            return Invalid($"Write {{namespace}}:{{pattern}}, e.g. thermal:rack:12 or optimization:rack:12:*; namespaces: {string.Join(", ", known)}.");
        }

        if (glob.Length == 0 || glob.Any(c => c is < '!' or > '~'))
        {
            return Invalid("The key pattern after the namespace must be 1 or more printable ASCII characters without spaces.");
        }

        try
        {
            return TypedResults.Ok(new { @namespace = ns, pattern = glob, deleted_count = await admin.InvalidatePatternAsync(ns, glob, ct) });
        }
        catch (CacheAdminException e)
        {
            return Unavailable(e);
        }
    }

    private static async Task<IResult> ClearAsync(ICacheAdmin admin, CancellationToken ct)
    {
        try
        {
            return TypedResults.Ok(new { deleted_count = await admin.ClearAsync(ct) });
        }
        catch (CacheAdminException e)
        {
            return Unavailable(e);
        }
    }

    private static async Task<IResult> GetDetailedAsync(CacheClient client, HealthCheckService health, CancellationToken ct)
    {
        var report = await health.CheckHealthAsync(ct);
        var s = await client.GetStatisticsAsync(ct);
        string redis = s.Store != "redis" ? "not_configured" : IsAvailable(client, s) ? "up" : "down";

        // the API keeps serving without Redis (uncached): a degraded cache is not a reason to take the instance out
        return TypedResults.Ok(new
        {
            status = report.Status.ToString().ToLowerInvariant(),
            redis,
            store = s.Store,
            circuit_state = s.CircuitState.ToString().ToLowerInvariant(),
            pending_invalidations = s.PendingInvalidations,
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new { status = e.Value.Status.ToString().ToLowerInvariant(), description = e.Value.Description, duration_ms = Math.Round(e.Value.Duration.TotalMilliseconds, 1) }),
        });
    }

    // the in-memory store is always there; Redis is when the circuit is closed and it answered INFO just now
    private static bool IsAvailable(CacheClient client, CacheStatistics s) =>
        client.DisabledReason is null && (s.Store != "redis" || (s.CircuitState == CircuitState.Closed && s.RedisUsedMemoryBytes is not null));

    private static IResult Invalid(string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["pattern"] = [message] });

    private static IResult Unavailable(CacheAdminException e) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Cache store unavailable",
            detail: e.Message,
            extensions: new Dictionary<string, object?> { ["error_type"] = e.ErrorType });
}
