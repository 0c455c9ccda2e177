using System.Diagnostics;
using System.Globalization;

namespace CacheGen.Sample.Api;

/// <summary>
/// Adds <c>X-Cache: HIT|MISS</c>, <c>X-Cache-Key</c> and <c>X-Cache-TTL-Remaining</c> (seconds) to API responses, from
/// the <see cref="CacheOutcomeScope"/> the runtime fills during the request, and logs one line per request.
/// </summary>
public static partial class CacheHeaders
{
    /// <summary>Runs each <c>/api</c> request inside a <see cref="CacheOutcomeScope"/> and reports its cached calls.</summary>
    public static IApplicationBuilder UseCacheHeaders(this IApplicationBuilder app) => app.Use(static async (context, next) =>
    {
        if (!context.Request.Path.StartsWithSegments("/api"))
        {
            await next(context);
            return;
        }

        long started = Stopwatch.GetTimestamp();
        using var scope = CacheOutcomeScope.Begin();
        context.Response.OnStarting(() =>
        {
            Write(context.Response.Headers, scope.Calls);
            return Task.CompletedTask;
        });
        await next(context);
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("CacheGen.Sample");
        Log.Request(
            logger,
            context.Request.Method,
            context.Request.Path,
            context.Response.StatusCode,
            context.Response.Headers["X-Cache"].ToString() is { Length: > 0 } x ? x : "-",
            Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    });

    private static void Write(IHeaderDictionary headers, IReadOnlyList<CacheCallOutcome> calls)
    {
        if (calls.Count == 0)
        {
            return;
        }

        // a response is a HIT only if every cached call behind it was: one computation makes it a MISS
        var last = calls[^1];
        headers["X-Cache"] = calls.All(c => c.Result == CacheCallResult.Hit) ? "HIT" : "MISS";
        headers["X-Cache-Key"] = last.Key;
        if (last.TimeToLive is { } ttl)
        {
            headers["X-Cache-TTL-Remaining"] = ((long)ttl.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        }

        if (calls.FirstOrDefault(c => c.ErrorType is not null) is { } failed)
        {
            // the value was served by the implementation; this says why the cache did not help
            headers["X-Cache-Error"] = failed.ErrorType;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "{Method} {Path} -> {Status} X-Cache={Cache} in {ElapsedMs:0.0} ms")]
        public static partial void Request(ILogger logger, string method, string path, int status, string cache, double elapsedMs);
    }
}
