using System.Collections.Generic;
using System.Linq;
using CacheGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CacheGen.Analyzers;

/// <summary>
/// The compilation-wide checks over every method's <see cref="CacheUseSpec"/>: colliding key shapes, invalidations
/// that can never match (namespace, template or type identity), placeholder types written differently, long-lived
/// namespaces nothing invalidates.
/// </summary>
internal static class CacheConsistency
{
    public static void Report(CompilationAnalysisContext context, List<CacheUseSpec> uses)
    {
        // deterministic order, whatever order the symbol actions ran in
        var cached = uses.Where(u => u.IsCached && u.CacheNamespace is not null).OrderBy(u => u.MethodDisplay, System.StringComparer.Ordinal).ToList();
        var invalidations = uses.Where(u => !u.IsCached).OrderBy(u => u.MethodDisplay, System.StringComparer.Ordinal).ToList();
        Location At(CacheUseSpec use) => use.Location?.ToLocation(context.Compilation) ?? Location.None;

        foreach (var group in cached.Where(c => c.Key is not null).GroupBy(c => (c.CacheNamespace, c.Key!.Pattern, c.Key.TypeIdentity)))
        {
            var first = group.First();
            foreach (var other in group.Skip(1))
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.CollidingKeys, At(other), other.MethodName, first.MethodName, group.Key.Pattern, group.Key.CacheNamespace));
            }
        }

        var namespaces = new HashSet<string>(cached.Select(c => c.CacheNamespace!));
        var tagPatterns = new HashSet<string>(cached.SelectMany(c => c.Tags).Select(t => t.Pattern));
        foreach (var invalidation in invalidations)
        {
            if (invalidation.CacheNamespace is { } ns && !namespaces.Contains(ns))
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UnknownInvalidationTarget, At(invalidation), invalidation.MethodName, "namespace", ns));
            }
            else if (invalidation.CacheNamespace is { } keyNs && invalidation.Key is { } key)
            {
                // one rule on both sides: the template's shape and the type identity the key carries must both match
                var match = cached.FirstOrDefault(c => c.CacheNamespace == keyNs && c.Key is { } k && k.Pattern == key.Pattern && k.TypeIdentity == key.TypeIdentity);
                if (match is null)
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidationKeyMatchesNothing, At(invalidation), key.Template, invalidation.MethodName, keyNs));
                }
                else
                {
                    ReportTypeMismatch(context, At(invalidation), invalidation, key, match, match.Key!);
                }
            }

            foreach (var tag in invalidation.Tags)
            {
                if (!tagPatterns.Contains(tag.Pattern))
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UnknownInvalidationTarget, At(invalidation), invalidation.MethodName, "tag", tag.Template));
                }
                else if (cached.FirstOrDefault(c => c.Tags.Any(t => t.Pattern == tag.Pattern)) is { } owner)
                {
                    ReportTypeMismatch(context, At(invalidation), invalidation, tag, owner, owner.Tags.First(t => t.Pattern == tag.Pattern));
                }
            }
        }

        foreach (var use in cached.Where(c => c.TtlSeconds > 3600))
        {
            bool invalidated = invalidations.Any(i =>
                (i.CacheNamespace == use.CacheNamespace && (i.Key is null || (i.Key.Pattern == use.Key?.Pattern && i.Key.TypeIdentity == use.Key.TypeIdentity)))
                || i.Tags.Any(t => use.Tags.Any(u => u.Pattern == t.Pattern)));
            if (!invalidated)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NeverInvalidated, At(use), use.CacheNamespace, use.MethodName, use.TtlSeconds));
            }
        }
    }

    private static void ReportTypeMismatch(CompilationAnalysisContext context, Location location, CacheUseSpec invalidation, KeyShapeSpec shape, CacheUseSpec owner, KeyShapeSpec ownerShape)
    {
        for (int i = 0; i < shape.PlaceholderForms.Count && i < ownerShape.PlaceholderForms.Count; i++)
        {
            string mine = shape.PlaceholderForms[i];
            string theirs = ownerShape.PlaceholderForms[i];
            if (mine.Length > 0 && theirs.Length > 0 && mine != theirs)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.PlaceholderTypeMismatch, location,
                    i + 1, shape.Template, shape.PlaceholderTypes[i], invalidation.MethodName, ownerShape.PlaceholderTypes[i], owner.MethodName));
                return;
            }
        }
    }
}
