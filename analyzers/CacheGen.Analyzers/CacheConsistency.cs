using System.Collections.Generic;
using System.Globalization;
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
/// <remarks>
/// Each check looks its targets up in tables built once (one pass over the cached uses, one over the invalidations)
/// instead of scanning every cached use per invalidation; the tables keep the first use in the same order the scans
/// found it, so every diagnostic names the same method. No LINQ grouping over a value-tuple key: its generic code
/// over a struct was JIT-compiled in every cold build.
/// </remarks>
internal static class CacheConsistency
{
    public static void Report(CompilationAnalysisContext context, List<CacheUseSpec> uses)
    {
        // deterministic order, whatever order the symbol actions ran in (OrderBy is stable: ties keep their order)
        var cached = uses.Where(u => u.IsCached && u.CacheNamespace is not null).OrderBy(u => u.MethodDisplay, System.StringComparer.Ordinal).ToList();
        var invalidations = uses.Where(u => !u.IsCached).OrderBy(u => u.MethodDisplay, System.StringComparer.Ordinal).ToList();

        // the cached uses by key shape (namespace, pattern, type identity), each group in order; groups in order of first use
        var byShape = new Dictionary<string, List<CacheUseSpec>>(System.StringComparer.Ordinal);
        var shapes = new List<List<CacheUseSpec>>();
        var namespaces = new HashSet<string>(System.StringComparer.Ordinal);

        // every tag pattern of a cached use: the first use that has it, and its first tag with it
        var tagOwners = new Dictionary<string, KeyValuePair<CacheUseSpec, KeyShapeSpec>>(System.StringComparer.Ordinal);
        foreach (var use in cached)
        {
            namespaces.Add(use.CacheNamespace!);
            if (use.Key is { } key)
            {
                string shape = Shape(use.CacheNamespace!, key);
                if (!byShape.TryGetValue(shape, out var group))
                {
                    byShape[shape] = group = new List<CacheUseSpec>();
                    shapes.Add(group);
                }

                group.Add(use);
            }

            foreach (var tag in use.Tags)
            {
                if (!tagOwners.ContainsKey(tag.Pattern))
                {
                    tagOwners[tag.Pattern] = new KeyValuePair<CacheUseSpec, KeyShapeSpec>(use, tag);
                }
            }
        }

        foreach (var group in shapes)
        {
            var first = group[0];
            for (int i = 1; i < group.Count; i++)
            {
                var other = group[i];
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.CollidingKeys, At(context, other), other.MethodName, first.MethodName, first.Key!.Pattern, first.CacheNamespace));
            }
        }

        // what the invalidations reach: whole namespaces, key shapes, tag patterns
        var wholeNamespaces = new HashSet<string>(System.StringComparer.Ordinal);
        var invalidatedShapes = new HashSet<string>(System.StringComparer.Ordinal);
        var invalidatedTags = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (var invalidation in invalidations)
        {
            if (invalidation.CacheNamespace is { } ns && !namespaces.Contains(ns))
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UnknownInvalidationTarget, At(context, invalidation), invalidation.MethodName, "namespace", ns));
            }
            else if (invalidation.CacheNamespace is { } keyNs && invalidation.Key is { } key)
            {
                // one rule on both sides: the template's shape and the type identity the key carries must both match
                if (!byShape.TryGetValue(Shape(keyNs, key), out var targets))
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidationKeyMatchesNothing, At(context, invalidation), key.Template, invalidation.MethodName, keyNs));
                }
                else
                {
                    ReportTypeMismatch(context, At(context, invalidation), invalidation, key, targets[0], targets[0].Key!);
                }
            }

            foreach (var tag in invalidation.Tags)
            {
                invalidatedTags.Add(tag.Pattern);
                if (!tagOwners.TryGetValue(tag.Pattern, out var owner))
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UnknownInvalidationTarget, At(context, invalidation), invalidation.MethodName, "tag", tag.Template));
                }
                else
                {
                    ReportTypeMismatch(context, At(context, invalidation), invalidation, tag, owner.Key, owner.Value);
                }
            }

            if (invalidation.CacheNamespace is { } reached)
            {
                if (invalidation.Key is { } reachedKey)
                {
                    invalidatedShapes.Add(Shape(reached, reachedKey));
                }
                else
                {
                    wholeNamespaces.Add(reached);
                }
            }
        }

        foreach (var use in cached)
        {
            if (use.TtlSeconds <= 3600)
            {
                continue;
            }

            bool invalidated = wholeNamespaces.Contains(use.CacheNamespace!)
                || (use.Key is { } key && invalidatedShapes.Contains(Shape(use.CacheNamespace!, key)));
            foreach (var tag in use.Tags)
            {
                invalidated = invalidated || invalidatedTags.Contains(tag.Pattern);
            }

            if (!invalidated)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NeverInvalidated, At(context, use), use.CacheNamespace, use.MethodName, use.TtlSeconds));
            }
        }
    }

    private static Location At(CompilationAnalysisContext context, CacheUseSpec use) => use.Location?.ToLocation(context.Compilation) ?? Location.None;

    // one string per (namespace, pattern, type identity), unambiguous whatever the parts contain (length-prefixed)
    private static string Shape(string ns, KeyShapeSpec key) =>
        ns.Length.ToString(CultureInfo.InvariantCulture) + ":" + ns + key.Pattern.Length.ToString(CultureInfo.InvariantCulture) + ":" + key.Pattern + key.TypeIdentity;

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
