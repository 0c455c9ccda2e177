using System.Text.RegularExpressions;
using CacheGen.Package.Tests.Infrastructure;

namespace CacheGen.Package.Tests;

/// <summary>The docs and comments cite only what the repository contains, and every relative link resolves.</summary>
public sealed class DocsTests
{
    private static readonly string[] s_skippedFolders = ["bin", "obj", ".git", "TestResults", "BenchmarkDotNet.Artifacts", "node_modules"];
    private static readonly Regex s_link = new(@"\[[^\]]*\]\((?<target>[^)\s]+)\)", RegexOptions.Compiled);
    private static readonly Regex s_scenario = new(@"docs/design\.md,? (?<id>[SG][0-9]+)", RegexOptions.Compiled);

    [Fact]
    public void NoFile_CitesADocumentOutsideTheRepository()
    {
        // these documents were shared outside the repository; what matters from them is in docs/design.md
        var outside = new Regex(@"\b(ARCHITECTURE|RELIABILITY|STYLE)(\.md)?\b");
        var citations = Files("*.cs", "*.md", "*.csproj", "*.props", "*.targets", "*.sh")
            .Where(f => Path.GetFileName(f) != "DocsTests.cs")
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: f, Line: i + 1, Text: line)))
            .Where(l => outside.IsMatch(l.Text))
            .Select(l => $"{Path.GetRelativePath(Repository.Root, l.File)}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        Assert.True(citations.Count == 0, "cites a document outside the repository:\n" + string.Join('\n', citations));
    }

    [Fact]
    public void EveryRelativeLink_InMarkdown_Resolves()
    {
        var broken = new List<string>();
        int checkedLinks = 0;
        foreach (string file in Files("*.md"))
        {
            foreach (Match match in s_link.Matches(File.ReadAllText(file)))
            {
                string target = match.Groups["target"].Value;
                if (target.StartsWith('#') || target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
                {
                    continue;
                }

                checkedLinks++;
                string path = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, target.Split('#')[0]));
                if (!File.Exists(path) && !Directory.Exists(path))
                {
                    broken.Add($"{Path.GetRelativePath(Repository.Root, file)}: {target}");
                }
            }
        }

        Assert.True(checkedLinks > 50, $"only {checkedLinks} links found: is the repository root right?");
        Assert.True(broken.Count == 0, "broken links:\n" + string.Join('\n', broken));
    }

    [Fact]
    public void EveryScenarioCitedInCode_IsListedInTheDesignNotes()
    {
        string design = File.ReadAllText(Repository.PathOf("docs", "design.md"));
        var cited = Files("*.cs")
            .SelectMany(f => s_scenario.Matches(File.ReadAllText(f)).Select(m => (File: Path.GetRelativePath(Repository.Root, f), Id: m.Groups["id"].Value)))
            .ToList();
        Assert.NotEmpty(cited);
        var missing = cited.Where(c => !design.Contains($"| {c.Id} |", StringComparison.Ordinal)).Select(c => $"{c.File}: {c.Id}").Distinct().ToList();
        Assert.True(missing.Count == 0, "cited but not in docs/design.md's scenario tables:\n" + string.Join('\n', missing));
    }

    private static IEnumerable<string> Files(params string[] patterns) =>
        patterns.SelectMany(p => Directory.EnumerateFiles(Repository.Root, p, SearchOption.AllDirectories))
            .Where(f => !Path.GetRelativePath(Repository.Root, f).Split(Path.DirectorySeparatorChar).Any(s_skippedFolders.Contains));
}
