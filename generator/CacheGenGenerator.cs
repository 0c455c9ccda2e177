using System.Linq;
using CacheGen.Generator.Helpers;
using CacheGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CacheGen.Generator;

/// <summary>
/// Writes the bodies of <c>[Cached]</c> and <c>[InvalidatesCache]</c> partial methods: cache-aside wrappers
/// around the sibling <c>{Name}Core</c> implementation. Reports nothing: the analyzers explain invalid methods.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class CacheGenGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // one spec per [Cached] method; methods that are not partial definitions give null
        var cached = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.CachedAttribute,
                predicate: static (node, _) => node is MethodDeclarationSyntax,
                transform: static (ctx, ct) => Parser.ParseCached(ctx, ct))
            .Where(static spec => spec is not null)
            .Select(static (spec, _) => spec!)
            .WithTrackingName(TrackingNames.CachedMethods);

        // one spec per [InvalidatesCache] method (all its attributes together)
        var invalidating = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.InvalidatesCacheAttribute,
                predicate: static (node, _) => node is MethodDeclarationSyntax,
                transform: static (ctx, ct) => Parser.ParseInvalidating(ctx, ct))
            .Where(static spec => spec is not null)
            .Select(static (spec, _) => spec!)
            .WithTrackingName(TrackingNames.InvalidatingMethods);

        context.RegisterSourceOutput(cached, static (spc, spec) => spc.AddSource(spec.HintName, Emitter.Emit(spec)));
        context.RegisterSourceOutput(invalidating, static (spc, spec) => spc.AddSource(spec.HintName, Emitter.Emit(spec)));

        // not-partial methods and types: the only diagnostics the generator reports (see Parser.ShapeDiagnostic)
        var cachedShape = context.SyntaxProvider.ForAttributeWithMetadataName(
            KnownNames.CachedAttribute,
            predicate: static (node, _) => node is MethodDeclarationSyntax,
            transform: static (ctx, ct) => Parser.ShapeDiagnostic(ctx, skipIfCached: false, ct));
        var invalidatingShape = context.SyntaxProvider.ForAttributeWithMetadataName(
            KnownNames.InvalidatesCacheAttribute,
            predicate: static (node, _) => node is MethodDeclarationSyntax,
            transform: static (ctx, ct) => Parser.ShapeDiagnostic(ctx, skipIfCached: true, ct));
        context.RegisterSourceOutput(cachedShape.Where(static d => d is not null), static (spc, d) => spc.ReportDiagnostic(d!));
        context.RegisterSourceOutput(invalidatingShape.Where(static d => d is not null), static (spc, d) => spc.ReportDiagnostic(d!));

        // the value formatters: reduce each spec to its type graph first, so a key or body edit changes nothing here
        var valueTypes = cached.Select(static (spec, _) => spec.Cache?.Value?.Types ?? EquatableArray<ValueTypeSpec>.Empty)
            .Collect()
            .Select(static (graphs, _) => new EquatableArray<ValueTypeSpec>(graphs.SelectMany(g => g)
                .GroupBy(t => t.Id, System.StringComparer.Ordinal)
                .Select(g => g.First())
                .OrderBy(t => t.Id, System.StringComparer.Ordinal)))
            .WithTrackingName(TrackingNames.ValueFormatters);
        context.RegisterSourceOutput(valueTypes, static (spc, types) =>
        {
            if (types.Count > 0)
            {
                spc.AddSource(Values.ValueEmitter.HintName, Values.ValueEmitter.Emit(types, Emitter.Version));
            }
        });

        // the key catalogue: reduce each spec to its catalogue lines first, so a body edit changes nothing here
        var catalog = cached.Select(static (spec, _) => Emitter.CatalogLines(spec))
            .Collect()
            .Combine(invalidating.Select(static (spec, _) => Emitter.CatalogLines(spec)).Collect())
            .Select(static (pair, _) => new EquatableArray<CatalogEntrySpec>(pair.Left.Concat(pair.Right).SelectMany(lines => lines)))
            .WithTrackingName(TrackingNames.Catalog);
        context.RegisterSourceOutput(catalog, static (spc, lines) =>
        {
            if (lines.Count > 0)
            {
                spc.AddSource("CacheGenCatalog.g.cs", Emitter.EmitCatalog(lines));
            }
        });
    }
}
