using System.Globalization;
using System.IO.Compression;
using System.Xml.Linq;

namespace CacheGen.Package.Tests.Infrastructure;

/// <summary>
/// The CacheGen package, packed once per test class from the build under test (<c>dotnet pack --no-build</c>) into a
/// local folder feed, with a prerelease version unique to this run: a consumer can never restore a stale copy from
/// the NuGet cache. Disposing deletes the feed and this version's folder in the global packages cache.
/// </summary>
public sealed class PackedPackage : IDisposable
{
    public PackedPackage()
    {
        Root = Directory.CreateTempSubdirectory("cachegen-package-").FullName;
        Feed = Path.Combine(Root, "feed");
        Version = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        Pack = Cli.Run(Repository.Root, TimeSpan.FromMinutes(3), "dotnet",
            "pack", Repository.PathOf("runtime", "CacheGen.csproj"), "--no-build", "-nologo", "-c", Repository.Configuration,
            "-o", Feed, "-p:PackageVersion=" + Version, "-p:NuspecOutputPath=" + Path.Combine(Root, "nuspec"));
        Assert.True(Pack.ExitCode == 0, "dotnet pack failed: " + Pack);
        NupkgPath = Path.Combine(Feed, $"CacheGen.{Version}.nupkg");
        Assert.True(File.Exists(NupkgPath), $"no {NupkgPath}: {Pack}");

        Extracted = Path.Combine(Root, "extracted");
        ZipFile.ExtractToDirectory(NupkgPath, Extracted);
        Entries = Directory.EnumerateFiles(Extracted, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Extracted, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
        Nuspec = XDocument.Load(Path.Combine(Extracted, "CacheGen.nuspec"));
    }

    public string Root { get; }

    /// <summary>The local folder feed holding the one package.</summary>
    public string Feed { get; }

    public string Version { get; }

    public Cli.Result Pack { get; }

    /// <summary>The .nupkg file.</summary>
    public string NupkgPath { get; }

    /// <summary>The package unzipped.</summary>
    public string Extracted { get; }

    /// <summary>Every file in the package, '/'-separated, ordinal order.</summary>
    public IReadOnlyList<string> Entries { get; }

    public XDocument Nuspec { get; }

    public XElement Metadata => Nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");

    public string FileOf(string entry) => Path.Combine(Extracted, entry);

    public void Dispose()
    {
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (string directory in new[] { Path.Combine(packages, "cachegen", Version.ToLowerInvariant()), Root })
        {
            try
            {
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }
            }
            catch (IOException)
            {
                // a build server may still hold a file; the temp folder is cleaned by the OS
            }
        }
    }
}
