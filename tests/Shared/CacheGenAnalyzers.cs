using System.Collections.Immutable;
using CacheGen.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CacheGen.Tests.Shared;

/// <summary>Every analyzer the CacheGen analyzers assembly exports, as a build loads them (for the analyzer and code-fix harnesses).</summary>
internal static class CacheGenAnalyzers
{
    private static readonly Type[] s_types = typeof(CachedMethodAnalyzer).Assembly.GetTypes()
        .Where(t => !t.IsAbstract && t.IsSubclassOf(typeof(DiagnosticAnalyzer)) && t.IsDefined(typeof(DiagnosticAnalyzerAttribute), inherit: false))
        .OrderBy(t => t.FullName, StringComparer.Ordinal)
        .ToArray();

    /// <summary>Creates a fresh instance of each.</summary>
    public static ImmutableArray<DiagnosticAnalyzer> Create() => [.. s_types.Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)];
}
