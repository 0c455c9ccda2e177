using System.Reflection;
using System.Runtime.Loader;
using CacheGen.Generator.Tests.Infrastructure;
using CacheGen.Stores;
using Microsoft.CodeAnalysis;
using Microsoft.Extensions.Options;

namespace CacheGen.Generator.Tests;

/// <summary>
/// Issue 8 item 3, "a change that alters what a hit returns reads as a miss after a deploy". Two builds of the
/// same service (two compilations run through the generator, emitted and loaded side by side, each with its own
/// <see cref="CacheClient"/>: two deployments) share one store. Only the value's shape differs between the builds;
/// the key template is the same, so the second build reads the first build's entry and must refuse it.
/// </summary>
public sealed class RedeployTests
{
    private const string Service = """
        using System;
        using System.Collections.Generic;
        using System.Threading.Tasks;
        using CacheGen;

        namespace Deploy;

        public sealed partial class Svc(ICacheClient cache)
        {
            public static int Calls;

            [Cached("deploy", 300, Key = "r:{id}")]
            public partial Task<VALUE> GetAsync(int id);

            private Task<VALUE> GetAsyncCore(int id)
            {
                Calls++;
                return Task.FromResult<VALUE>(MAKE);
            }
        }

        """;

    public static TheoryData<string, string, string, string, bool> Deploys() => new()
    {
        // control: the same build twice shares its entries (a hit), so the misses below are the fingerprint's doing
        { "same build", "Report", "new Report(id, \"n\")", "public sealed record Report(int Id, string Name);", false },
        { "DTO change", "Report", "new Report(id, \"n\", 7)", "public sealed record Report(int Id, string Name, int Extra);", true },
        { "derived type added", "Device", "new Server { Name = \"s\", Cores = 2 }", "public class Device { public string Name { get; set; } = \"\"; } public class Server : Device { public int Cores { get; set; } } public sealed class Switch : Device { public int Ports { get; set; } }", true },
        { "generic argument", "Page<long>", "new Page<long>(new List<long> { id }, 1)", "public sealed record Page<T>(List<T> Items, int Total);", true },
        { "enum member inserted", "Report", "new Report(Kind.B)", "public sealed record Report(Kind Kind); public enum Kind { Z, A, B }", true },
    };

    private static readonly Dictionary<string, (string Value, string Make, string Types)> s_before = new()
    {
        ["same build"] = ("Report", "new Report(id, \"n\")", "public sealed record Report(int Id, string Name);"),
        ["DTO change"] = ("Report", "new Report(id, \"n\")", "public sealed record Report(int Id, string Name);"),
        ["derived type added"] = ("Device", "new Server { Name = \"s\", Cores = 2 }", "public class Device { public string Name { get; set; } = \"\"; } public class Server : Device { public int Cores { get; set; } }"),
        ["generic argument"] = ("Page<int>", "new Page<int>(new List<int> { id }, 1)", "public sealed record Page<T>(List<T> Items, int Total);"),
        ["enum member inserted"] = ("Report", "new Report(Kind.B)", "public sealed record Report(Kind Kind); public enum Kind { A, B }"),
    };

    [Theory]
    [MemberData(nameof(Deploys))]
    public async Task SecondDeploy_ReadsTheFirstDeploysEntry_AsAMissExactlyWhenTheShapeChanged(string change, string value, string make, string types, bool miss)
    {
        var store = new MemoryCacheStore(TimeProvider.System);
        var (oldValue, oldMake, oldTypes) = s_before[change];
        var first = Build("First" + Guid.NewGuid().ToString("N"), Service.Replace("VALUE", oldValue).Replace("MAKE", oldMake) + oldTypes);
        var second = Build("Second" + Guid.NewGuid().ToString("N"), Service.Replace("VALUE", value).Replace("MAKE", make) + types);

        // the first deploy computes and stores the entry; a second call is its own hit
        await CallAsync(first, store);
        await CallAsync(first, store);
        Assert.Equal(1, Calls(first));

        // the second deploy, against the same store
        await CallAsync(second, store);
        Assert.Equal(miss ? 1 : 0, Calls(second));
    }

    private static async Task CallAsync(Assembly assembly, MemoryCacheStore store)
    {
        var client = new CacheClient(store, new SystemTextJsonCacheSerializer(), Options.Create(new CacheGenOptions()));
        object service = Activator.CreateInstance(assembly.GetType("Deploy.Svc")!, client)!;
        var task = (Task)assembly.GetType("Deploy.Svc")!.GetMethod("GetAsync")!.Invoke(service, [1])!;
        await task;
    }

    private static int Calls(Assembly assembly) => (int)assembly.GetType("Deploy.Svc")!.GetField("Calls")!.GetValue(null)!;

    private static Assembly Build(string name, string source)
    {
        var compilation = GeneratorHarness.Compile(source).WithAssemblyName(name)
            .WithOptions(GeneratorHarness.Compile(source).Options.WithGeneralDiagnosticOption(ReportDiagnostic.Default));
        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        Assert.Empty(diagnostics);
        using var stream = new MemoryStream();
        var emitted = output.Emit(stream);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        stream.Position = 0;
        return new AssemblyLoadContext(name, isCollectible: true).LoadFromStream(stream);
    }
}
