using System.Security.Cryptography;
using CacheGen.Sample.Api;
using CacheGen.Sample.Domain;
using CacheGen.Sample.Services;

namespace CacheGen.Sample;

/// <summary>Builds the rack-planning API; <c>Program</c> runs it, <c>--demo</c> drives it in-process, the tests host it.</summary>
public static class SampleApp
{
    /// <summary>Creates the builder with every service the API needs.</summary>
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);

        // in-memory cache by default; CacheGen__Redis=localhost:6379 (or redis://:pw@host:6379/0) for Redis
        builder.Services.AddCacheGen(builder.Configuration);
        builder.Services.AddOptions<SampleOptions>().Bind(builder.Configuration.GetSection(SampleOptions.SectionName))
            .PostConfigure(o => o.AdminKey = string.IsNullOrWhiteSpace(o.AdminKey) ? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) : o.AdminKey);
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton<SpecCatalog>();
        builder.Services.AddSingleton<RackRepository>();
        builder.Services.AddSingleton<RackPlanningService>();
        builder.Services.AddSingleton<AdminKeyFilter>();
        return builder;
    }

    /// <summary>Adds the middleware and endpoints.</summary>
    public static WebApplication Configure(WebApplication app)
    {
        // a request the framework cannot bind (limit=ten, bad JSON) is the client's fault in every environment
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = static e => e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        app.UseCacheHeaders();
        app.MapRackApi();
        app.MapOperatorApi();
        app.MapHealthChecks("/health");
        return app;
    }
}
