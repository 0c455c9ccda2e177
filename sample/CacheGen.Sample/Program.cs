using CacheGen;
using CacheGen.Sample.Services;

var builder = WebApplication.CreateBuilder(args);

// in-memory cache by default; set CacheGen__Redis (e.g. "localhost:6379" or "redis://:pw@host:6379/0") for Redis
builder.Services.AddCacheGen(builder.Configuration);
builder.Services.AddSingleton<RackRepository>();
builder.Services.AddSingleton<RackService>();

var app = builder.Build();

app.MapGet("/racks/{rackId:int}/thermal", async (int rackId, RackService service, CancellationToken ct) =>
    Results.Ok(await service.GetThermalAnalysisAsync(rackId, ct)));

app.MapPut("/racks/{rackId:int}", async (int rackId, RackUpdate update, RackService service, CancellationToken ct) =>
{
    await service.UpdateRackAsync(rackId, update, ct);
    return Results.NoContent();
});

app.MapGet("/search", async (string q, int? limit, RackService service, CancellationToken ct) =>
    Results.Ok(await service.SearchAsync(q, limit ?? 10, ct)));

app.MapPost("/search/rebuild", (RackService service) =>
{
    service.RebuildSearchIndex();
    return Results.NoContent();
});

// the seeds' operator endpoints: statistics and health
app.MapGet("/health/cache/stats", (ICacheClient cache, RackRepository racks) =>
    Results.Ok(new { statistics = cache.GetStatistics(), computations = racks.Computations }));
app.MapGet("/health/cache/redis", async (ICacheAdmin admin, CancellationToken ct) => Results.Ok(await admin.GetStatisticsAsync(ct)));

// operator endpoints, as the seeds' management API: pattern invalidation and clear-all, scoped to our prefix
app.MapPost("/admin/cache/thermal/invalidate", async (string pattern, ICacheAdmin admin, CancellationToken ct) =>
    Results.Ok(new { removed = await admin.InvalidatePatternAsync("thermal", pattern, ct) }));
app.MapPost("/admin/cache/clear", async (ICacheAdmin admin, CancellationToken ct) => Results.Ok(new { removed = await admin.ClearAsync(ct) }));
app.MapGet("/cache/catalog", () => Results.Ok(new { cached = CacheCatalog.Entries, invalidators = CacheCatalog.Invalidators }));
app.MapHealthChecks("/health");

app.Run();
