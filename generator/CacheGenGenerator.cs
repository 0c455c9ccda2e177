using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using CacheGen.Analyzers;
using CacheGen.Generator.Helpers;
using CacheGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CacheGen.Generator;

/// <summary>
/// Writes the bodies of <c>[Cached]</c> and <c>[InvalidatesCache]</c> partial methods: cache-aside wrappers
/// around the sibling <c>{Name}Core</c> implementation. Reports only CGEN001/CGEN002; the analyzers report the
/// rest of the same analysis (<see cref="Parser"/>).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class CacheGenGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // one analysis per [Cached] method, and one per [InvalidatesCache] method (all its attributes together)
        var cachedAnalyses = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.CachedAttribute,
                predicate: static (node, _) => node is MethodDeclarationSyntax,
                transform: static (ctx, ct) => WithTree(Parser.AnalyzeCached(ctx, ct), ctx));
        var invalidatingAnalyses = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.InvalidatesCacheAttribute,
                predicate: static (node, _) => node is MethodDeclarationSyntax,
                transform: static (ctx, ct) => WithTree(Parser.AnalyzeInvalidating(ctx, ct), ctx));

        // the specs alone: a problem's moved line never regenerates a file
        var cached = cachedAnalyses
            .Where(static a => a.Analysis.Spec is not null)
            .Select(static (a, _) => a.Analysis.Spec!)
            .WithTrackingName(TrackingNames.CachedMethods);
        var invalidating = invalidatingAnalyses
            .Where(static a => a.Analysis.Spec is not null)
            .Select(static (a, _) => a.Analysis.Spec!)
            .WithTrackingName(TrackingNames.InvalidatingMethods);

        context.RegisterSourceOutput(cached, static (spc, spec) => spc.AddSource(spec.HintName, Emitter.Emit(spec)));
        context.RegisterSourceOutput(invalidating, static (spc, spec) => spc.AddSource(spec.HintName, Emitter.Emit(spec)));

        // CGEN001/CGEN002 only: with them the user's code does not compile, and a command-line build with compiler
        // errors shows no analyzer diagnostics. Reported at a real source location, so #pragma and .editorconfig apply.
        context.RegisterSourceOutput(cachedAnalyses.Where(static a => a.Tree is not null), static (spc, a) => ReportProblems(spc, a));
        context.RegisterSourceOutput(invalidatingAnalyses.Where(static a => a.Tree is not null), static (spc, a) => ReportProblems(spc, a));

        // the value formatters: reduce each spec to its type graph first, so a key or body edit changes nothing here
        var valueTypes = cached.Select(static (spec, _) => spec.Cache?.Value?.Types ?? EquatableArray<ValueTypeSpec>.Empty)
            .Collect()
            .Select(static (graphs, _) => DistinctById(graphs))
            .WithTrackingName(TrackingNames.ValueFormatters);
        context.RegisterSourceOutput(valueTypes, static (spc, types) =>
        {
            if (types.Count > 0)
            {
                spc.AddSource(Values.ValueEmitter.HintName, Values.ValueEmitter.Emit(types, Emitter.Version));
            }
        });

        // the key catalogue: reduce each spec to its catalogue lines first, so a body edit changes nothing here
        // each side collected into one class before the two are combined: a Combine of the two ImmutableArray structs
        // makes the JIT compile the driver's nodes over a (struct, struct) tuple in every cold build (~60 methods)
        var catalog = cached.Select(static (spec, _) => Emitter.CatalogLines(spec))
            .Collect()
            .Select(static (lines, _) => Concat(lines))
            .Combine(invalidating.Select(static (spec, _) => Emitter.CatalogLines(spec)).Collect().Select(static (lines, _) => Concat(lines)))
            .Select(static (pair, _) => Concat(ImmutableArray.Create(pair.Left, pair.Right)))
            .WithTrackingName(TrackingNames.Catalog);
        context.RegisterSourceOutput(catalog, static (spc, lines) =>
        {
            if (lines.Count > 0)
            {
                spc.AddSource("CacheGenCatalog.g.cs", Emitter.EmitCatalog(lines));
            }
        });
    }

    /// <summary>
    /// Keeps the method's syntax tree next to its analysis only when the generator must report a problem (the tree
    /// turns the problem's location data back into a source location); the specs downstream hold no Roslyn object.
    /// </summary>
    private static AnalysisWithTree WithTree(MethodAnalysis analysis, GeneratorAttributeSyntaxContext context)
    {
        foreach (var d in analysis.Diagnostics)
        {
            if (d.IsReportedByGenerator)
            {
                return new(analysis, context.TargetNode.SyntaxTree);
            }
        }

        return new(analysis, null);
    }

    /// <summary>The arrays' items in order, as one array (loops, not LINQ: this runs once per build, cold).</summary>
    private static EquatableArray<CatalogEntrySpec> Concat(ImmutableArray<EquatableArray<CatalogEntrySpec>> arrays)
    {
        var all = new List<CatalogEntrySpec>();
        foreach (var lines in arrays)
        {
            foreach (var line in lines)
            {
                all.Add(line);
            }
        }

        return new EquatableArray<CatalogEntrySpec>(all);
    }

    /// <summary>Every value type of every graph once (the first of each id), ordered by id.</summary>
    private static EquatableArray<ValueTypeSpec> DistinctById(ImmutableArray<EquatableArray<ValueTypeSpec>> graphs)
    {
        var byId = new Dictionary<string, ValueTypeSpec>(System.StringComparer.Ordinal);
        foreach (var graph in graphs)
        {
            foreach (var type in graph)
            {
                if (!byId.ContainsKey(type.Id))
                {
                    byId.Add(type.Id, type);
                }
            }
        }

        var ids = new List<string>(byId.Keys);
        ids.Sort(System.StringComparer.Ordinal);
        var ordered = new List<ValueTypeSpec>(ids.Count);
        foreach (string id in ids)
        {
            ordered.Add(byId[id]);
        }

        return new EquatableArray<ValueTypeSpec>(ordered);
    }

    private static void ReportProblems(SourceProductionContext context, AnalysisWithTree analysis)
    {
        foreach (var problem in analysis.Analysis.Diagnostics)
        {
            if (problem.IsReportedByGenerator && problem.Location is { } location)
            {
                var descriptor = problem.Id == DiagnosticIds.MethodNotPartial ? DiagnosticDescriptors.MethodNotPartial : DiagnosticDescriptors.TypeNotPartial;
                context.ReportDiagnostic(Diagnostic.Create(descriptor, Location.Create(analysis.Tree!, location.Span), problem.Arguments.Cast<object>().ToArray()));
            }
        }
    }

    // a class: a struct here makes the JIT compile the incremental nodes over it in every build (docs/benchmarks.md)
    private sealed record AnalysisWithTree(MethodAnalysis Analysis, SyntaxTree? Tree);
}
