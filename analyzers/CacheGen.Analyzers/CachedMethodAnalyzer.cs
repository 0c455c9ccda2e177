using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using CacheGen.Generator;
using CacheGen.Generator.Helpers;
using CacheGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CacheGen.Analyzers;

/// <summary>
/// Reports the problems of each <c>[Cached]</c> and <c>[InvalidatesCache]</c> method from the same analysis the
/// generator emits from (<see cref="CacheGenGenerator.Parser"/>), except CGEN001/CGEN002, which the generator reports;
/// then compares every method of the compilation (colliding keys, invalidations that match nothing, CGEN019-023).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CachedMethodAnalyzer : DiagnosticAnalyzer
{
    private static readonly ImmutableArray<DiagnosticDescriptor> s_methodDescriptors = ImmutableArray.Create(
        DiagnosticDescriptors.MissingCore,
        DiagnosticDescriptors.NoCacheClient,
        DiagnosticDescriptors.AmbiguousCacheClient,
        DiagnosticDescriptors.UnsupportedReturnType,
        DiagnosticDescriptors.UnsupportedParameter,
        DiagnosticDescriptors.CachedAndInvalidates,
        DiagnosticDescriptors.InvalidNamespace,
        DiagnosticDescriptors.NonPositiveTtl,
        DiagnosticDescriptors.LongTtl,
        DiagnosticDescriptors.MalformedTemplate,
        DiagnosticDescriptors.UnknownPlaceholder,
        DiagnosticDescriptors.UnsupportedKeyType,
        DiagnosticDescriptors.ImpreciseKeyType,
        DiagnosticDescriptors.ParameterNotInKey,
        DiagnosticDescriptors.SecretInKey,
        DiagnosticDescriptors.HashedKeyPart,
        DiagnosticDescriptors.ValueNotCacheable,
        DiagnosticDescriptors.InvalidationWithoutTarget,
        DiagnosticDescriptors.MemberNotInKey,
        DiagnosticDescriptors.FormattableKeyPart,
        DiagnosticDescriptors.UnusableSerializer,
        DiagnosticDescriptors.ValueNotImmutable);

    private static readonly Dictionary<string, DiagnosticDescriptor> s_byId = s_methodDescriptors.ToDictionary(d => d.Id);

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = s_methodDescriptors.AddRange(new[]
    {
        DiagnosticDescriptors.CollidingKeys,
        DiagnosticDescriptors.UnknownInvalidationTarget,
        DiagnosticDescriptors.InvalidationKeyMatchesNothing,
        DiagnosticDescriptors.PlaceholderTypeMismatch,
        DiagnosticDescriptors.NeverInvalidated,
    });

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        // the generated implementation part makes a cached method "generated": analyze it, but never report inside generated code
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            // the attributes are recognised by name, as the generator's ForAttributeWithMetadataName does: looking their
            // types up (GetTypeByMetadataName) here would make this analyzer pay for building the compilation's whole
            // declaration table, the single largest cost the build reported for it (docs/benchmarks.md, "Build cost")
            var uses = new ConcurrentBag<CacheUseSpec>();
            start.RegisterSymbolAction(symbol => AnalyzeMethod(symbol, uses), SymbolKind.Method);
            start.RegisterCompilationEndAction(end => CacheConsistency.Report(end, uses.ToList()));
        });
    }

    private static void AnalyzeMethod(SymbolAnalysisContext context, ConcurrentBag<CacheUseSpec> uses)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (!method.IsPartialDefinition || method.MethodKind != MethodKind.Ordinary)
        {
            // an implementation part: its definition is analyzed. Any other method that is not a partial definition
            // gets only CGEN001 (the generator reports it) and counts as no use, so its attributes are not even read:
            // this action runs for every method of the compilation, generated formatters and record members included
            return;
        }

        AttributeData? cached = null;
        List<AttributeData>? invalidations = null;
        foreach (var attribute in method.GetAttributes())
        {
            if (attribute.AttributeClass is not { } type)
            {
                continue;
            }

            if (CacheGenGenerator.Parser.HasFullName(type, KnownNames.CachedAttribute))
            {
                cached ??= attribute;
            }
            else if (CacheGenGenerator.Parser.HasFullName(type, KnownNames.InvalidatesCacheAttribute))
            {
                (invalidations ??= new List<AttributeData>()).Add(attribute);
            }
        }

        if (cached is null && invalidations is null)
        {
            return;
        }

        // problems only: the same problems and uses as the generator's analysis, without what only the emitter reads
        var analysis = cached is not null
            ? CacheGenGenerator.Parser.AnalyzeCached(method, cached, context.Compilation, context.CancellationToken, problemsOnly: true)
            : CacheGenGenerator.Parser.AnalyzeInvalidating(method, invalidations!, context.CancellationToken, problemsOnly: true);
        var tree = method.Locations[0].SourceTree;
        foreach (var problem in analysis.Diagnostics)
        {
            if (!problem.IsReportedByGenerator && s_byId.TryGetValue(problem.Id, out var descriptor))
            {
                context.ReportDiagnostic(Diagnostic.Create(descriptor, problem.Location?.ToLocation(context.Compilation, tree) ?? method.Locations[0], Arguments(problem.Arguments)));
            }
        }

        if (cached is not null && invalidations is not null)
        {
            // [Cached] wins on a method that has both (CGEN008); its invalidations still count as uses
            foreach (var use in CacheGenGenerator.Parser.AnalyzeInvalidating(method, invalidations, context.CancellationToken, problemsOnly: true).Uses)
            {
                uses.Add(use);
            }
        }

        foreach (var use in analysis.Uses)
        {
            uses.Add(use);
        }
    }

    private static object[] Arguments(EquatableArray<string> arguments)
    {
        var result = new object[arguments.Count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = arguments[i];
        }

        return result;
    }
}
