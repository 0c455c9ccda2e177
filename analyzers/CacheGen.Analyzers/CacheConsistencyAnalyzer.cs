using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using CacheGen.Generator;
using CacheGen.Generator.Helpers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CacheGen.Analyzers;

/// <summary>
/// Compares every cached and invalidating method of the compilation: colliding key shapes, invalidations that
/// can never match, placeholder types that write keys differently, long-lived namespaces nothing invalidates.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CacheConsistencyAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.CollidingKeys,
        DiagnosticDescriptors.UnknownInvalidationTarget,
        DiagnosticDescriptors.InvalidationKeyMatchesNothing,
        DiagnosticDescriptors.PlaceholderTypeMismatch,
        DiagnosticDescriptors.NeverInvalidated);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        // the generated implementation part makes a cached method "generated": analyze it, but never report inside generated code
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var cached = new ConcurrentBag<CachedUse>();
            var invalidations = new ConcurrentBag<InvalidationUse>();
            start.RegisterSymbolAction(symbol => Collect(symbol, cached, invalidations), SymbolKind.Method);
            start.RegisterCompilationEndAction(end => Report(end, cached.ToList(), invalidations.ToList()));
        });
    }

    private static void Collect(SymbolAnalysisContext context, ConcurrentBag<CachedUse> cached, ConcurrentBag<InvalidationUse> invalidations)
    {
        if (CacheGenRules.UserDefinition((IMethodSymbol)context.Symbol) is not { } method)
        {
            return;
        }

        foreach (var attribute in method.GetAttributes())
        {
            string? name = attribute.AttributeClass?.ToDisplayString();
            var location = attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken).GetLocation() ?? method.Locations[0];
            if (name == KnownNames.CachedAttribute && attribute.ConstructorArguments.Length == 2
                && attribute.ConstructorArguments[0].Value is string ns && attribute.ConstructorArguments[1].Value is int ttl)
            {
                string? key = CacheGenRules.NamedString(attribute, "Key");
                cached.Add(new CachedUse(method, ns, ttl, key is null ? null : Shape.Of(key, method), CacheGenRules.NamedStrings(attribute, "Tags").Select(t => Shape.Of(t, method)).ToList(), location));
            }
            else if (name == KnownNames.InvalidatesCacheAttribute)
            {
                string? target = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;
                string? key = CacheGenRules.NamedString(attribute, "Key");
                invalidations.Add(new InvalidationUse(method, target, key is null ? null : Shape.Of(key, method), CacheGenRules.NamedStrings(attribute, "Tags").Select(t => Shape.Of(t, method)).ToList(), location));
            }
        }
    }

    private static void Report(CompilationAnalysisContext context, List<CachedUse> cached, List<InvalidationUse> invalidations)
    {
        // deterministic order, whatever order the symbol actions ran in
        cached.Sort((a, b) => string.CompareOrdinal(a.Method.ToDisplayString(), b.Method.ToDisplayString()));

        foreach (var group in cached.Where(c => c.Key is not null).GroupBy(c => (c.Namespace, c.Key!.Pattern)))
        {
            var first = group.First();
            foreach (var other in group.Skip(1))
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.CollidingKeys, other.Location, other.Method.Name, first.Method.Name, group.Key.Pattern, group.Key.Namespace));
            }
        }

        var namespaces = new HashSet<string>(cached.Select(c => c.Namespace));
        var tagPatterns = new HashSet<string>(cached.SelectMany(c => c.Tags).Select(t => t.Pattern));
        foreach (var invalidation in invalidations)
        {
            if (invalidation.Namespace is { } ns && !namespaces.Contains(ns))
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UnknownInvalidationTarget, invalidation.Location, invalidation.Method.Name, "namespace", ns));
            }
            else if (invalidation.Namespace is { } keyNs && invalidation.Key is { } key)
            {
                var match = cached.FirstOrDefault(c => c.Namespace == keyNs && c.Key?.Pattern == key.Pattern);
                if (match is null)
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidationKeyMatchesNothing, invalidation.Location, key.Template, invalidation.Method.Name, keyNs));
                }
                else
                {
                    ReportTypeMismatch(context, invalidation, key, match, match.Key!);
                }
            }

            foreach (var tag in invalidation.Tags)
            {
                if (!tagPatterns.Contains(tag.Pattern))
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UnknownInvalidationTarget, invalidation.Location, invalidation.Method.Name, "tag", tag.Template));
                }
                else if (cached.FirstOrDefault(c => c.Tags.Any(t => t.Pattern == tag.Pattern)) is { } owner)
                {
                    ReportTypeMismatch(context, invalidation, tag, owner, owner.Tags.First(t => t.Pattern == tag.Pattern));
                }
            }
        }

        foreach (var use in cached.Where(c => c.TtlSeconds > 3600))
        {
            bool invalidated = invalidations.Any(i =>
                (i.Namespace == use.Namespace && (i.Key is null || i.Key.Pattern == use.Key?.Pattern))
                || i.Tags.Any(t => use.Tags.Any(u => u.Pattern == t.Pattern)));
            if (!invalidated)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NeverInvalidated, use.Location, use.Namespace, use.Method.Name, use.TtlSeconds));
            }
        }
    }

    private static void ReportTypeMismatch(CompilationAnalysisContext context, InvalidationUse invalidation, Shape shape, CachedUse owner, Shape ownerShape)
    {
        for (int i = 0; i < shape.PlaceholderTypes.Count && i < ownerShape.PlaceholderTypes.Count; i++)
        {
            var mine = shape.PlaceholderTypes[i];
            var theirs = ownerShape.PlaceholderTypes[i];
            if (mine is not null && theirs is not null && Shape.TextForm(mine) != Shape.TextForm(theirs))
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.PlaceholderTypeMismatch, invalidation.Location,
                    i + 1, shape.Template, mine.ToDisplayString(), invalidation.Method.Name, theirs.ToDisplayString(), owner.Method.Name));
                return;
            }
        }
    }

    private sealed record CachedUse(IMethodSymbol Method, string Namespace, int TtlSeconds, Shape? Key, List<Shape> Tags, Location Location);

    private sealed record InvalidationUse(IMethodSymbol Method, string? Namespace, Shape? Key, List<Shape> Tags, Location Location);

    /// <summary>A template with placeholders replaced by <c>{}</c> (so <c>rack:{id}</c> and <c>rack:{rackId}</c> match), and the placeholders' types.</summary>
    private sealed class Shape
    {
        private Shape(string template, string pattern, List<ITypeSymbol?> types)
        {
            Template = template;
            Pattern = pattern;
            PlaceholderTypes = types;
        }

        public string Template { get; }

        public string Pattern { get; }

        public List<ITypeSymbol?> PlaceholderTypes { get; }

        public static Shape Of(string template, IMethodSymbol method)
        {
            var types = new List<ITypeSymbol?>();
            var parts = new List<string>();
            foreach (var segment in CacheKeyRules.SplitTemplate(template))
            {
                if (segment.Kind == TemplateSegmentKind.Placeholder)
                {
                    parts.Add("{}");
                    types.Add(CacheGenRules.PathType(method, segment.Text));
                }
                else
                {
                    parts.Add(segment.Text);
                }
            }

            return new Shape(template, string.Join(":", parts), types);
        }

        /// <summary>How a value of the type is written into a key: types with one text form compare equal.</summary>
        public static string TextForm(ITypeSymbol type)
        {
            if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
            {
                type = nullable.TypeArguments[0];
            }

            return type.SpecialType switch
            {
                SpecialType.System_SByte or SpecialType.System_Byte or SpecialType.System_Int16 or SpecialType.System_UInt16
                    or SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Int64 or SpecialType.System_UInt64 => "integer",
                _ => type.TypeKind == TypeKind.Enum ? "integer" : type.ToDisplayString(),
            };
        }
    }
}
