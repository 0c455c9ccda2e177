using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using CacheGen.Analyzers.Tests.Infrastructure;

namespace CacheGen.Analyzers.Tests;

/// <summary>
/// Builds small projects with the real SDK (<c>dotnet build</c>), the way a user does: a command-line build with
/// any compiler error prints no analyzer diagnostics, so only a real build shows that each CGEN id still appears.
/// </summary>
public sealed class BuildTests(BuildTests.Fixture fixture) : IClassFixture<BuildTests.Fixture>
{
    public static TheoryData<string> Ids() => new(BadProjects.Sources.Keys.OrderBy(k => k, StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Ids))]
    public void DotnetBuild_OfAProjectWithOneBadMethod_ShowsItsDiagnostic(string id)
    {
        var found = fixture.Diagnostics(id);
        Assert.Contains(found, d => d.Id == id);

        // nothing but the expected diagnostic and the compiler's own view of the same mistake
        Assert.DoesNotContain(found, d => d.Id.StartsWith("CGEN", StringComparison.Ordinal) && d.Id != id && d.Severity == "error");
    }

    [Fact]
    public void EditorConfig_RaisesAWarningToAnError()
    {
        var found = fixture.Diagnostics("raise");
        Assert.Contains(found, d => d.Id == "CGEN016" && d.Severity == "error");
        Assert.DoesNotContain(found, d => d.Id == "CGEN016" && d.Severity == "warning");
    }

    [Fact]
    public void EditorConfig_SilencesAWarning()
    {
        Assert.DoesNotContain(fixture.Diagnostics("silence"), d => d.Id == "CGEN016");
        Assert.Contains(fixture.Diagnostics("CGEN016"), d => d.Id == "CGEN016" && d.Severity == "warning");
    }

    [Fact]
    public void EditorConfig_SilencesAGeneratorReportedDiagnostic()
    {
        Assert.DoesNotContain(fixture.Diagnostics("silence-generator"), d => d.Id == "CGEN001");
        Assert.True(fixture.Succeeded("silence-generator"), fixture.Output);
    }

    /// <summary>Writes every project, builds them in one solution build, and keeps the parsed output.</summary>
    public sealed class Fixture : IDisposable
    {
        private static readonly Regex s_line = new(@"^(?<file>[^(]+)\(\d+,\d+\): (?<severity>error|warning) (?<id>[A-Z]+[0-9]+): .*\[(?<project>[^\]]+)\.csproj\]$", RegexOptions.Multiline);
        private readonly string _root = Path.Combine(Path.GetTempPath(), "cachegen-build-" + Guid.NewGuid().ToString("N"));
        private readonly List<(string Project, string Id, string Severity)> _diagnostics = [];

        public Fixture()
        {
            Directory.CreateDirectory(_root);
            var projects = new List<string>();
            foreach (var (id, source) in BadProjects.Sources)
            {
                projects.Add(WriteProject(id, source, BadProjects.InfoIds.Contains(id) ? $"dotnet_diagnostic.{id}.severity = warning" : null));
            }

            projects.Add(WriteProject("raise", BadProjects.Sources["CGEN016"], "dotnet_diagnostic.CGEN016.severity = error"));
            projects.Add(WriteProject("silence", BadProjects.Sources["CGEN016"], "dotnet_diagnostic.CGEN016.severity = none"));
            projects.Add(WriteProject("silence-generator", BadProjects.Sources["CGEN001"], "dotnet_diagnostic.CGEN001.severity = none"));
            string solution = WriteSolution(projects);

            var start = new ProcessStartInfo("dotnet", ["build", solution, "-nologo", "-clp:NoSummary;ForceNoAlign", "-v:q", "-p:UseSharedCompilation=false", "-m:2"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = _root,
            };
            start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            Output = process.StandardOutput.ReadToEnd() + stderr.Result;
            process.WaitForExit();
            foreach (Match m in s_line.Matches(Output.Replace("\r", string.Empty, StringComparison.Ordinal)))
            {
                _diagnostics.Add((Path.GetFileName(m.Groups["project"].Value), m.Groups["id"].Value, m.Groups["severity"].Value));
            }

            Assert.True(_diagnostics.Count > 0, "The build printed no diagnostics at all:\n" + Output);
        }

        public string Output { get; }

        public List<(string Id, string Severity)> Diagnostics(string project) =>
            _diagnostics.Where(d => d.Project == project).Select(d => (d.Id, d.Severity)).Distinct().ToList();

        public bool Succeeded(string project) =>
            !_diagnostics.Any(d => d.Project == project && d.Severity == "error") && File.Exists(Path.Combine(_root, project, "bin", "Debug", "net10.0", project + ".dll"));

        public void Dispose()
        {
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
                // a build server may still hold a file; the temp folder is cleaned by the OS
            }
        }

        private string WriteProject(string name, string source, string? editorConfigRule)
        {
            string bin = AppContext.BaseDirectory;
            string dir = Path.Combine(_root, name);
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, name + ".csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <AssemblyName>{name}</AssemblyName>
                  </PropertyGroup>
                  <ItemGroup>
                    <Reference Include="CacheGen" HintPath="{Path.Combine(bin, "CacheGen.dll")}" />
                    <Reference Include="MessagePack" HintPath="{Path.Combine(bin, "MessagePack.dll")}" />
                    <Reference Include="MessagePack.Annotations" HintPath="{Path.Combine(bin, "MessagePack.Annotations.dll")}" />
                    <Analyzer Include="{Path.Combine(bin, "CacheGen.Generator.dll")}" />
                    <Analyzer Include="{Path.Combine(bin, "CacheGen.Analyzers.dll")}" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(dir, "Bad.cs"), "using CacheGen;\n\nnamespace Bad;\n\n" + source);
            var editorConfig = new StringBuilder("root = true\n\n[*.cs]\n");
            if (editorConfigRule is not null)
            {
                editorConfig.Append(editorConfigRule).Append('\n');
            }

            File.WriteAllText(Path.Combine(dir, ".editorconfig"), editorConfig.ToString());
            return Path.Combine(name, name + ".csproj");
        }

        private string WriteSolution(List<string> projects)
        {
            var sb = new StringBuilder("\nMicrosoft Visual Studio Solution File, Format Version 12.00\n# Visual Studio Version 17\n");
            var guids = projects.Select(_ => Guid.NewGuid().ToString("B").ToUpperInvariant()).ToList();
            for (int i = 0; i < projects.Count; i++)
            {
                string name = Path.GetFileNameWithoutExtension(projects[i]);
                sb.Append($"Project(\"{{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC}}\") = \"{name}\", \"{projects[i]}\", \"{guids[i]}\"\nEndProject\n");
            }

            sb.Append("Global\n\tGlobalSection(SolutionConfigurationPlatforms) = preSolution\n\t\tDebug|Any CPU = Debug|Any CPU\n\tEndGlobalSection\n");
            sb.Append("\tGlobalSection(ProjectConfigurationPlatforms) = postSolution\n");
            foreach (string guid in guids)
            {
                sb.Append($"\t\t{guid}.Debug|Any CPU.ActiveCfg = Debug|Any CPU\n\t\t{guid}.Debug|Any CPU.Build.0 = Debug|Any CPU\n");
            }

            sb.Append("\tEndGlobalSection\nEndGlobal\n");
            string path = Path.Combine(_root, "bad.sln");
            File.WriteAllText(path, sb.ToString());
            return path;
        }
    }
}
