using System.Reflection;
using CacheGen.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace CacheGen.Analyzers.Tests;

/// <summary>Every diagnostic is documented, tracked for release, and tested both ways.</summary>
public sealed class CatalogueTests
{
    public static TheoryData<string> Ids()
    {
        var data = new TheoryData<string>();
        foreach (var descriptor in Descriptors())
        {
            data.Add(descriptor.Id);
        }

        return data;
    }

    [Fact]
    public void Ids_AreUniqueAndEachHasOneDescriptor()
    {
        var ids = typeof(DiagnosticIds).GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static).Select(f => (string)f.GetValue(null)!).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(ids.OrderBy(i => i, StringComparer.Ordinal), Descriptors().Select(d => d.Id).OrderBy(i => i, StringComparer.Ordinal));
        Assert.All(ids, id => Assert.Matches("^CGEN[0-9]{3}$", id));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Descriptor_HasItsDocsPageAndHelpLink(string id)
    {
        var descriptor = Descriptors().Single(d => d.Id == id);
        Assert.Equal($"https://github.com/cachegen/cachegen/blob/main/docs/diagnostics/{id}.md", descriptor.HelpLinkUri);
        string page = Repository.PathOf("docs", "diagnostics", id + ".md");
        Assert.True(File.Exists(page), $"{page} is missing");
        Assert.StartsWith($"# {id}", File.ReadAllText(page), StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(descriptor.Title.ToString()));
        Assert.Contains("{0}", descriptor.MessageFormat.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Descriptor_IsInTheReleaseTracking(string id)
    {
        var descriptor = Descriptors().Single(d => d.Id == id);
        string releases = File.ReadAllText(Repository.PathOf("analyzers", "CacheGen.Analyzers", "AnalyzerReleases.Shipped.md"))
            + File.ReadAllText(Repository.PathOf("analyzers", "CacheGen.Analyzers", "AnalyzerReleases.Unshipped.md"));
        var line = releases.Split('\n').SingleOrDefault(l => l.StartsWith(id + " ", StringComparison.Ordinal));
        Assert.NotNull(line);
        Assert.Contains($"| {descriptor.Category} | {descriptor.DefaultSeverity} |", line, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Descriptor_HasAFiringAndANearMissTest(string id)
    {
        var tests = typeof(DiagnosticTests).GetMethods().Where(m => m.GetCustomAttribute<FactAttribute>() is not null).Select(m => m.Name).ToList();
        Assert.Contains(tests, t => t.StartsWith(id + "_Fires", StringComparison.Ordinal));
        Assert.Contains(tests, t => t.StartsWith(id + "_DoesNotFire", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryAnalyzerDescriptor_IsInTheCatalogue()
    {
        var supported = AnalyzerTest.Analyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).ToHashSet();

        // CGEN001 and CGEN002 are reported by the generator (the user's code does not compile in those cases)
        supported.Add(DiagnosticIds.MethodNotPartial);
        supported.Add(DiagnosticIds.TypeNotPartial);
        Assert.Equal(Descriptors().Select(d => d.Id).OrderBy(i => i, StringComparer.Ordinal), supported.OrderBy(i => i, StringComparer.Ordinal));
    }

    private static IEnumerable<DiagnosticDescriptor> Descriptors() =>
        typeof(DiagnosticDescriptors).GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!);
}
