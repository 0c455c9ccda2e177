using System.Diagnostics;
using System.Text.RegularExpressions;
using CacheGen.IntegrationTests.Infrastructure;
using CacheGen.Package.Tests.Infrastructure;

namespace CacheGen.Package.Tests;

/// <summary>
/// A new user's first ten minutes, from the package: a fresh console project in a temp folder, <c>dotnet add package
/// CacheGen</c> from a local folder feed, a build that shows a CGEN warning and writes the generated files, and two runs
/// against a real redis-server where the second run is served from Redis. This is the test that catches packaging
/// regressions: a package without the generator, the analyzers or the runtime cannot pass it.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class ConsumerTests(PackedPackage package, ITestOutputHelper output)
{
    private static readonly TimeSpan s_step = TimeSpan.FromMinutes(3);

    private const string Program = """
        using CacheGen;
        using Microsoft.Extensions.DependencyInjection;

        var services = new ServiceCollection();
        // 5 s instead of the default 250 ms: in a fresh process on a loaded machine (CI runs the other test assemblies
        // beside this one) the first write-back's JIT and round trip can pass 250 ms, and the miss then returns before
        // its write-back landed, so the second call misses: the counts below are about the package, not about timeouts
        services.AddCacheGen(o => { o.Redis = args[0]; o.OperationTimeoutMs = 5000; });
        services.AddSingleton<Catalog>();
        await using var provider = services.BuildServiceProvider();
        var catalog = provider.GetRequiredService<Catalog>();

        // as a readiness probe would: the cache connects in the background and calls made meanwhile are uncached
        var health = new CacheGenHealthCheck(provider.GetRequiredService<CacheClient>());
        for (int i = 0; i < 200 && (await health.CheckHealthAsync(new())).Status != Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy; i++)
        {
            await Task.Delay(50);
        }

        var first = await catalog.GetAsync(7);
        var second = await catalog.GetAsync(7);
        var statistics = provider.GetRequiredService<ICacheClient>().GetStatistics();
        Console.WriteLine($"core-calls={Catalog.CoreCalls} hits={statistics.Hits} misses={statistics.Misses} errors={statistics.Errors} same={first == second}");

        public sealed record Item(int Id, string Name);

        public sealed partial class Catalog(ICacheClient cache)
        {
            public static int CoreCalls;

            [Cached("items", 300, Key = "item:{id}")]
            public partial Task<Item> GetAsync(int id);

            private Task<Item> GetAsyncCore(int id)
            {
                Interlocked.Increment(ref CoreCalls);
                return Task.FromResult(new Item(id, "item " + id));
            }

            // a bad key: 'region' is left out, so two regions would share one entry (CGEN016)
            [Cached("items", 300, Key = "name:{name}")]
            public partial Task<Item> FindAsync(string name, string region);

            private Task<Item> FindAsyncCore(string name, string region) => Task.FromResult(new Item(0, name + "@" + region));
        }
        """;

    [Fact]
    public async Task FreshConsoleApp_FromThePackage_BuildsWarnsGeneratesAndHitsRedis()
    {
        var total = Stopwatch.StartNew();
        using var redis = RedisServerFixture.Start("--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru");
        string app = Path.Combine(package.Root, "app");

        // a fresh console project: the SDK's template, outside the repository (no Directory.Build.props reaches it)
        Step(package.Root, "dotnet", "new", "console", "-o", app, "-n", "Consumer", "--no-restore");
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="cachegen-under-test" value="{package.Feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), Program);
        Step(app, "dotnet", "add", "package", "Microsoft.Extensions.DependencyInjection", "--version", "10.0.14", "--no-restore");
        Step(app, "dotnet", "add", "package", "CacheGen", "--version", package.Version);

        // what the app restored: CacheGen and its runtime dependencies, nothing from Roslyn
        string assets = File.ReadAllText(Path.Combine(app, "obj", "project.assets.json"));
        Assert.Contains($"\"CacheGen/{package.Version}\"", assets, StringComparison.Ordinal);
        Assert.DoesNotContain("\"Microsoft.CodeAnalysis", assets, StringComparison.Ordinal);

        // build: the bad key's warning with its absolute help link, and one generated file per cached method
        var build = Step(app, "dotnet", "build", "-nologo", "--disable-build-servers", "-p:EmitCompilerGeneratedFiles=true");
        Assert.Matches(new Regex(@"warning CGEN016: .*'region'"), build.Output);
        var generated = Directory.EnumerateFiles(Path.Combine(app, "obj"), "*.g.cs", SearchOption.AllDirectories)
            .Where(f => f.Replace('\\', '/').Contains("/generated/CacheGen.Generator/", StringComparison.Ordinal))
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Contains("Catalog.GetAsync.g.cs", generated);
        Assert.Contains("Catalog.FindAsync.g.cs", generated);
        string body = File.ReadAllText(Directory.EnumerateFiles(Path.Combine(app, "obj"), "Catalog.GetAsync.g.cs", SearchOption.AllDirectories).First());
        Assert.Contains("global::CacheGen.CacheKeyBuilder.Join(\"item\", id)", body, StringComparison.Ordinal);
        Assert.Contains(".GetOrSetAsync(", body, StringComparison.Ordinal);

        // run against a real redis-server, two calls per process once the cache reports Healthy (connected): the
        // second call of the first process is a hit, and so are both calls of the next process, served from Redis
        var first = Outcome(Step(app, "dotnet", "run", "--no-build", "--", redis.Configuration));
        Assert.True((first.CoreCalls, first.Hits, first.Misses, first.Errors) == (1, 1, 1, 0), "first process: " + first);
        Assert.True(await redis.ExistsAsync("cache:items:item:7"), "the entry is not in Redis");
        var second = Outcome(Step(app, "dotnet", "run", "--no-build", "--", redis.Configuration));
        Assert.True((second.CoreCalls, second.Hits, second.Misses, second.Errors) == (0, 2, 0, 0), "a new process is served from Redis: " + second);

        output.WriteLine($"first process: {first}; second process: {second}");

        // the buildTransitive switch: the generator is gone, the partial methods have no implementation
        var disabled = Cli.Run(app, s_step, "dotnet", "build", "-nologo", "--disable-build-servers", "--no-restore", "--no-incremental", "-p:DisableCacheGenSourceGenerator=true");
        output.WriteLine("$ dotnet build -p:DisableCacheGenSourceGenerator=true: " + disabled.ExitCode + " after " + disabled.Elapsed.TotalSeconds.ToString("F1") + " s");
        Assert.NotEqual(0, disabled.ExitCode);
        Assert.Contains("error CS8795", disabled.Output, StringComparison.Ordinal);

        output.WriteLine($"consumer test: {total.Elapsed.TotalSeconds:F1} s (pack {package.Pack.Elapsed.TotalSeconds:F1} s in the fixture)");
    }

    private static Counts Outcome(Cli.Result run)
    {
        var match = Regex.Match(run.Output, @"core-calls=(\d+) hits=(\d+) misses=(\d+) errors=(\d+) same=(True|False)");
        Assert.True(match.Success, "the app printed no counts: " + run);
        Assert.Equal("True", match.Groups[5].Value);
        int At(int group) => int.Parse(match.Groups[group].Value, System.Globalization.CultureInfo.InvariantCulture);
        return new Counts(At(1), At(2), At(3), At(4));
    }

    private sealed record Counts(int CoreCalls, int Hits, int Misses, int Errors);

    private Cli.Result Step(string directory, string fileName, params string[] arguments)
    {
        var result = Cli.Run(directory, s_step, fileName, arguments);
        output.WriteLine($"$ {fileName} {string.Join(' ', arguments)}: exit {result.ExitCode} after {result.Elapsed.TotalSeconds:F1} s");
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }
}
