using CacheGen.Sample.Api;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace CacheGen.Sample;

/// <summary>What the sample prints once it listens: its URL, the cache store and ready-to-paste <c>curl</c> lines.</summary>
public static class StartupBanner
{
    /// <summary>Prints the banner to <paramref name="output"/> once the app has started.</summary>
    public static void PrintWhenStarted(WebApplication app, TextWriter output) => app.Lifetime.ApplicationStarted.Register(() =>
    {
        string url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://localhost:5000";
        url = url.Replace("://[::]", "://localhost", StringComparison.Ordinal).Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal).Replace("://+", "://localhost", StringComparison.Ordinal);
        var cache = app.Services.GetRequiredService<IOptions<CacheGenOptions>>().Value;
        var sample = app.Services.GetRequiredService<IOptions<SampleOptions>>().Value;
        bool generatedKey = string.IsNullOrWhiteSpace(app.Configuration[$"{SampleOptions.SectionName}:AdminKey"]);
        output.WriteLine();
        output.WriteLine($"CacheGen sample: a rack-planning API on {url}");
        output.WriteLine(string.IsNullOrWhiteSpace(cache.Redis)
            ? "  cache store: in-memory (this process). For Redis: CacheGen__Redis=localhost:6379 dotnet run --project sample/CacheGen.Sample"
            : $"  cache store: Redis at {RedisEndpoint.Describe(cache.Redis)} (prefix '{cache.KeyPrefix}')");
        output.WriteLine(generatedKey
            ? $"  admin key:   {sample.AdminKey} (made for this run; set Sample__AdminKey to choose one)"
            : "  admin key:   from configuration (Sample:AdminKey)");
        output.WriteLine();
        output.WriteLine("Try (run a line twice: X-Cache goes MISS -> HIT):");
        output.WriteLine($"  curl -i {url}/api/racks/1/thermal-analysis");
        output.WriteLine($"  curl -i '{url}/api/racks/1/optimization?strategy=thermal'");
        output.WriteLine($"  curl -i '{url}/api/specs/search?q=dell+r7&limit=5'");
        output.WriteLine($"  curl -i -H '{RackEndpoints.UserHeader}: alice' '{url}/api/users/me/racks?page=1'");
        output.WriteLine($"  curl -i -X PUT -H 'Content-Type: application/json' -d '{{\"inletCelsius\":27}}' {url}/api/racks/1");
        output.WriteLine($"  curl -i -X POST -H 'Content-Type: application/json' -d '{{\"slotU\":40,\"specId\":\"cisco-00004\"}}' {url}/api/racks/1/positions");
        string key = generatedKey ? sample.AdminKey! : "$ADMIN_KEY";
        output.WriteLine($"  curl -s -H '{AdminKeyFilter.HeaderName}: {key}' {url}/health/cache/stats");
        output.WriteLine($"  curl -s -X DELETE -H '{AdminKeyFilter.HeaderName}: {key}' '{url}/health/cache/invalidate/thermal:rack:1'");
        output.WriteLine($"  curl -s -X POST -H '{AdminKeyFilter.HeaderName}: {key}' {url}/health/cache/clear");
        output.WriteLine($"  curl -s -H '{AdminKeyFilter.HeaderName}: {key}' {url}/health/detailed");
        output.WriteLine("The speed-up in one command: dotnet run --project sample/CacheGen.Sample -- --demo");
        output.WriteLine();
    });
}
