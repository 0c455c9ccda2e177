using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using CacheGen.Package.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace CacheGen.Package.Tests;

/// <summary>What the one CacheGen package holds, read from the .nupkg that <c>dotnet pack</c> writes.</summary>
[Collection(PackageCollection.Name)]
public sealed class PackageLayoutTests(PackedPackage package)
{
    private const string AnalyzerFolder = "analyzers/dotnet/roslyn4.8/cs/";
    private static readonly string[] s_roslynComponents = ["CacheGen.Analyzers.dll", "CacheGen.CodeFixes.dll", "CacheGen.Generator.dll"];

    [Fact]
    public void Package_HoldsTheLibraryTheRoslynComponentsAndNothingElseBuilt()
    {
        // the runtime with its XML docs, for net10.0 only
        Assert.Contains("lib/net10.0/CacheGen.dll", package.Entries);
        Assert.Contains("lib/net10.0/CacheGen.xml", package.Entries);
        Assert.Equal(["lib/net10.0/CacheGen.dll", "lib/net10.0/CacheGen.xml"], package.Entries.Where(e => e.StartsWith("lib/", StringComparison.Ordinal)));

        // the generator, the analyzers and the code fixes, for C# and Roslyn 4.8 and later, and no other assembly
        Assert.Equal(s_roslynComponents.Select(c => AnalyzerFolder + c), package.Entries.Where(e => e.StartsWith("analyzers/", StringComparison.Ordinal)));
        Assert.DoesNotContain(package.Entries, e => e.EndsWith(".dll", StringComparison.Ordinal) && !e.StartsWith("lib/", StringComparison.Ordinal) && !e.StartsWith(AnalyzerFolder, StringComparison.Ordinal));

        // the switch, the readme and the license
        Assert.Contains("buildTransitive/CacheGen.targets", package.Entries);
        Assert.Contains("README.md", package.Entries);
        Assert.Contains("LICENSE", package.Entries);
        Assert.Contains("DisableCacheGenSourceGenerator", File.ReadAllText(package.FileOf("buildTransitive/CacheGen.targets")), StringComparison.Ordinal);
        Assert.Contains("dotnet add package CacheGen", File.ReadAllText(package.FileOf("README.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void Nuspec_HasMetadataAndNoRoslynDependency()
    {
        var metadata = package.Metadata;
        string Value(string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value;

        Assert.Equal("CacheGen", Value("id"));
        Assert.Equal(package.Version, Value("version"));
        Assert.Equal("MIT", Value("license"));
        Assert.Equal("README.md", Value("readme"));
        var repository = metadata.Elements().Single(e => e.Name.LocalName == "repository");
        Assert.Equal("git", repository.Attribute("type")?.Value);
        Assert.StartsWith("https://", repository.Attribute("url")?.Value, StringComparison.Ordinal);

        var dependencies = metadata.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => e.Attribute("id")!.Value).ToList();
        Assert.Contains("StackExchange.Redis", dependencies);
        Assert.Contains("Polly.Core", dependencies);

        // build-time only: no Roslyn package, and none of the repository's own projects, reaches a consumer
        Assert.DoesNotContain(dependencies, d => d.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal));
        Assert.DoesNotContain(dependencies, d => d.StartsWith("CacheGen", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("CacheGen.Generator.dll", "Microsoft.CodeAnalysis")]
    [InlineData("CacheGen.Analyzers.dll", "Microsoft.CodeAnalysis")]
    [InlineData("CacheGen.CodeFixes.dll", "Microsoft.CodeAnalysis.Workspaces")]
    public void RoslynComponent_IsBuiltAgainstRoslyn48(string file, string expectedReference)
    {
        using var pe = new PEReader(File.OpenRead(package.FileOf(AnalyzerFolder + file)));
        var reader = pe.GetMetadataReader();
        var references = reader.AssemblyReferences.Select(h => reader.GetAssemblyReference(h))
            .ToDictionary(r => reader.GetString(r.Name), r => r.Version);

        // a newer Roslyn reference would not load in the compilers the folder name promises (and, here, generates nothing)
        Assert.True(references.ContainsKey(expectedReference), $"{file} does not reference {expectedReference}");
        Assert.All(references.Where(r => r.Key.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal)),
            r => Assert.True(r.Value <= new Version(4, 8, 0, 0), $"{file} references {r.Key} {r.Value}"));
        Assert.Equal("netstandard", references.Keys.Single(k => k is "netstandard" or "System.Runtime"));
    }

    [Fact]
    public void HelpLinks_AreAbsoluteUnderTheRepositoryUrl_AndEveryPageShips()
    {
        string repositoryUrl = package.Metadata.Elements().Single(e => e.Name.LocalName == "repository").Attribute("url")!.Value;
        // the catalogue is compiled into the generator or the analyzers assembly (both ship side by side)
        var catalogue = new[] { "CacheGen.Generator.dll", "CacheGen.Analyzers.dll" }
            .Select(f => Assembly.LoadFile(package.FileOf(AnalyzerFolder + f)).GetType("CacheGen.Analyzers.DiagnosticDescriptors"))
            .First(t => t is not null)!;
        var descriptors = catalogue
            .GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .ToList();
        Assert.True(descriptors.Count >= 26, $"only {descriptors.Count} descriptors");

        foreach (var descriptor in descriptors)
        {
            Assert.Equal($"{repositoryUrl}/blob/main/docs/diagnostics/{descriptor.Id}.md", descriptor.HelpLinkUri);
            Assert.Contains($"docs/diagnostics/{descriptor.Id}.md", package.Entries);
        }

        // the package ships exactly the repository's pages
        var repositoryPages = Directory.EnumerateFiles(Repository.PathOf("docs", "diagnostics"), "*.md").Select(p => "docs/diagnostics/" + Path.GetFileName(p)).Order(StringComparer.Ordinal);
        Assert.Equal(repositoryPages, package.Entries.Where(e => e.StartsWith("docs/", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("lib/net10.0/CacheGen.dll")]
    [InlineData(AnalyzerFolder + "CacheGen.Generator.dll")]
    [InlineData(AnalyzerFolder + "CacheGen.Analyzers.dll")]
    [InlineData(AnalyzerFolder + "CacheGen.CodeFixes.dll")]
    public void Assembly_IsDeterministicWithMappedSourcePathsAndEmbeddedSources(string entry)
    {
        using var pe = new PEReader(File.OpenRead(package.FileOf(entry)));
        var debugDirectory = pe.ReadDebugDirectory();
        Assert.Contains(debugDirectory, d => d.Type == DebugDirectoryEntryType.Reproducible);
        var embedded = debugDirectory.Single(d => d.Type == DebugDirectoryEntryType.EmbeddedPortablePdb);
        using var pdbProvider = pe.ReadEmbeddedPortablePdbDebugDirectoryData(embedded);
        var pdb = pdbProvider.GetMetadataReader();

        var documents = pdb.Documents.Select(h => pdb.GetString(pdb.GetDocument(h).Name)).ToList();
        Assert.NotEmpty(documents);

        // no build machine's folder in the binaries: every source path is /_/..., as with SourceLink's deterministic paths
        Assert.All(documents, d => Assert.StartsWith("/_/", d, StringComparison.Ordinal));
        Assert.DoesNotContain(documents, d => d.Contains(Repository.Root, StringComparison.Ordinal));

        // the sources themselves are embedded, so a debugger steps into them with no source server
        var embeddedSource = new Guid("0E8A571B-6926-466E-B4AD-8AB04611F5FE");
        foreach (var handle in pdb.Documents)
        {
            bool hasSource = pdb.GetCustomDebugInformation(handle).Any(c => pdb.GetGuid(pdb.GetCustomDebugInformation(c).Kind) == embeddedSource);
            Assert.True(hasSource, pdb.GetString(pdb.GetDocument(handle).Name) + " has no embedded source");
        }
    }
}
