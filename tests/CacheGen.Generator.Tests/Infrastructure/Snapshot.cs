using System.Reflection;
using System.Runtime.CompilerServices;

namespace CacheGen.Generator.Tests.Infrastructure;

/// <summary>
/// Verify-style snapshots without Verify: compares text with <c>Snapshots/{Class}.{Method}#{Name}.verified.txt</c>;
/// on a mismatch writes <c>.received.txt</c> beside it and fails naming the first differing line.
/// Set <c>CACHEGEN_ACCEPT=1</c> to accept the received text.
/// </summary>
internal static class Snapshot
{
    private static readonly string s_root = typeof(Snapshot).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "SnapshotRoot").Value!;

    public static void Verify(string actual, string name, string testClass, [CallerMemberName] string testMethod = "")
    {
        string normalized = Normalize(actual);
        string stem = Path.Combine(s_root, "Snapshots", $"{testClass}.{testMethod}#{name}");
        string verified = stem + ".verified.txt";
        string received = stem + ".received.txt";
        if (Environment.GetEnvironmentVariable("CACHEGEN_ACCEPT") == "1")
        {
            File.WriteAllText(verified, normalized);
            File.Delete(received);
            return;
        }

        string expected = File.Exists(verified) ? Normalize(File.ReadAllText(verified)) : string.Empty;
        if (expected == normalized)
        {
            File.Delete(received);
            return;
        }

        File.WriteAllText(received, normalized);
        Assert.Fail(File.Exists(verified)
            ? $"Snapshot {Path.GetFileName(verified)} differs at line {FirstDifference(expected, normalized)}. Compare with {received}; accept with CACHEGEN_ACCEPT=1."
            : $"No snapshot {Path.GetFileName(verified)} yet. Review {received}; accept with CACHEGEN_ACCEPT=1.");
    }

    private static string Normalize(string text) =>
        text.Replace("\r\n", "\n").Replace($"\"CacheGen\", \"{GeneratorVersion}\"", "\"CacheGen\", \"%VERSION%\"").TrimStart('\uFEFF');

    private static string GeneratorVersion => typeof(CacheGenGenerator).Assembly.GetName().Version!.ToString(3);

    private static int FirstDifference(string expected, string actual)
    {
        string[] a = expected.Split('\n');
        string[] b = actual.Split('\n');
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            if (a[i] != b[i])
            {
                return i + 1;
            }
        }

        return Math.Min(a.Length, b.Length) + 1;
    }
}
