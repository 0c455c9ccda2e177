using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using CacheGen.Generator;
using CacheGen.Generator.Helpers;
using CacheGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using static CacheGen.Generator.CacheGenRules;

namespace CacheGen.Analyzers;

/// <summary>
/// Checks each <c>[Cached]</c> and <c>[InvalidatesCache]</c> method: shape, attribute values and keys, with the
/// rules the generator uses (<c>generator/Shared</c>). CGEN001 and CGEN002 are reported by the generator itself.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CachedMethodAnalyzer : DiagnosticAnalyzer
{
    private const int ThirtyDays = 30 * 24 * 3600;

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
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
        DiagnosticDescriptors.UnusableSerializer);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        // the generated implementation part makes a cached method "generated": analyze it, but never report inside generated code
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze);
        context.EnableConcurrentExecution();
        context.RegisterSymbolAction(AnalyzeMethod, SymbolKind.Method);
    }

    private static void AnalyzeMethod(SymbolAnalysisContext context)
    {
        if (UserDefinition((IMethodSymbol)context.Symbol) is not { } method)
        {
            // a body the user wrote: the generator reports CGEN001
            return;
        }

        var cached = method.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == KnownNames.CachedAttribute);
        var invalidations = method.GetAttributes().Where(a => a.AttributeClass?.ToDisplayString() == KnownNames.InvalidatesCacheAttribute).ToList();
        if (cached is null && invalidations.Count == 0)
        {
            return;
        }

        // the generator reports types that are not partial (CGEN002)
        if (!AllContainingTypesPartial(method, context.CancellationToken))
        {
            return;
        }

        var location = method.Locations[0];
        if (cached is not null && invalidations.Count > 0)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.CachedAndInvalidates, location, method.Name));
        }

        CheckShape(context, method, cached is not null);
        if (cached is not null)
        {
            CheckCached(context, method, cached);
        }

        foreach (var invalidation in invalidations)
        {
            CheckInvalidation(context, method, invalidation);
        }
    }

    private static void CheckShape(SymbolAnalysisContext context, IMethodSymbol method, bool isCached)
    {
        var location = method.Locations[0];
        if (FindCore(method) is null)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.MissingCore, location, method.Name, method.Name + KnownNames.CoreSuffix));
        }

        if (FindClient(method.ContainingType, method.IsStatic, out int clients) is null)
        {
            context.ReportDiagnostic(clients == 0
                ? Diagnostic.Create(DiagnosticDescriptors.NoCacheClient, location, method.ContainingType.Name, method.IsStatic ? "static " : string.Empty, method.Name)
                : Diagnostic.Create(DiagnosticDescriptors.AmbiguousCacheClient, location, method.ContainingType.Name, clients, method.Name));
        }

        foreach (var parameter in method.Parameters)
        {
            if (ParameterProblem(parameter) is { } problem)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UnsupportedParameter, parameter.Locations[0], parameter.Name, method.Name, problem));
            }
        }

        var kind = ClassifyReturn(method.ReturnType, out var valueType);
        string verb = isCached ? "cached" : "wrapped";
        if (method.ReturnsByRef || method.ReturnsByRefReadonly)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UnsupportedReturnType, location, method.Name, verb, method.ReturnType.ToDisplayString(), "is returned by reference"));
        }
        else if (isCached && kind is ReturnKind.Void or ReturnKind.TaskVoid or ReturnKind.ValueTaskVoid)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UnsupportedReturnType, location, method.Name, verb, method.ReturnType.ToDisplayString(), "has no value to cache; use Task<T>, ValueTask<T> or T"));
        }
        else if (isCached && valueType is not null)
        {
            CheckValue(context, method, valueType, location);
        }
    }

    /// <summary>CGEN025 (the type walk cannot prove the value round-trips) or CGEN030 (the <c>Serializer =</c> escape hatch is unusable).</summary>
    private static void CheckValue(SymbolAnalysisContext context, IMethodSymbol method, ITypeSymbol valueType, Location location)
    {
        var attribute = method.GetAttributes().First(a => a.AttributeClass?.ToDisplayString() == KnownNames.CachedAttribute);
        if (Generator.Values.ValueWalker.SerializerArgument(attribute) is { } serializer)
        {
            if (Generator.Values.ValueWalker.SerializerProblem(serializer, valueType) is { } bad)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UnusableSerializer, location, serializer.ToDisplayString(), method.Name, bad));
            }

            return;
        }

        if (Generator.Values.ValueWalker.Analyze(valueType, null, context.Compilation, context.CancellationToken).Problem is { } problem)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ValueNotCacheable, location, method.Name, valueType.ToDisplayString(), problem));
        }
    }

    private static void CheckCached(SymbolAnalysisContext context, IMethodSymbol method, AttributeData attribute)
    {
        var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) as AttributeSyntax;
        Location At(int argument) => syntax?.ArgumentList?.Arguments.Count > argument ? syntax.ArgumentList.Arguments[argument].GetLocation() : method.Locations[0];
        Location Named(string name) => syntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.Text == name)?.GetLocation() ?? method.Locations[0];

        if (attribute.ConstructorArguments.Length == 2)
        {
            string? ns = attribute.ConstructorArguments[0].Value as string;
            if (!CacheKeyRules.IsValidNamespace(ns))
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidNamespace, At(0), ns ?? "null"));
            }

            if (attribute.ConstructorArguments[1].Value is int ttl)
            {
                if (ttl <= 0)
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NonPositiveTtl, At(1), method.Name, ttl));
                }
                else if (ttl > ThirtyDays)
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.LongTtl, At(1), method.Name, ttl));
                }
            }
        }

        var keyParameters = new HashSet<string>();
        string? template = NamedString(attribute, "Key");
        if (template is not null)
        {
            CheckTemplate(context, method, template, Named("Key"), keyParameters);
            foreach (var parameter in method.Parameters)
            {
                if (!keyParameters.Contains(parameter.Name) && !IsCancellationToken(parameter.Type) && !IsNotCacheKey(parameter) && ParameterProblem(parameter) is null)
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ParameterNotInKey, parameter.Locations[0], parameter.Name, method.Name));
                }
            }
        }
        else
        {
            foreach (var parameter in method.Parameters)
            {
                if (IsCancellationToken(parameter.Type) || IsNotCacheKey(parameter) || ParameterProblem(parameter) is not null)
                {
                    continue;
                }

                keyParameters.Add(parameter.Name);
                var value = KeyValueOf(parameter.Type, 0);
                if (value is null)
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UnsupportedKeyType, parameter.Locations[0], parameter.Name, parameter.Type.ToDisplayString(), method.Name));
                    continue;
                }

                CheckKeyPart(context, method, parameter.Name, parameter.Type, value, parameter.Locations[0]);
            }
        }

        foreach (string tag in NamedStrings(attribute, "Tags"))
        {
            CheckTemplate(context, method, tag, Named("Tags"), keyParameters);
        }

        foreach (var parameter in method.Parameters)
        {
            if (keyParameters.Contains(parameter.Name) && IsSecretName(parameter.Name))
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.SecretInKey, parameter.Locations[0], parameter.Name, method.Name));
            }
        }
    }

    private static void CheckInvalidation(SymbolAnalysisContext context, IMethodSymbol method, AttributeData attribute)
    {
        var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) as AttributeSyntax;
        Location Named(string name) => syntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.Text == name)?.GetLocation() ?? method.Locations[0];
        if (attribute.ConstructorArguments.Length == 1)
        {
            string? ns = attribute.ConstructorArguments[0].Value as string;
            if (!CacheKeyRules.IsValidNamespace(ns))
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidNamespace, syntax?.ArgumentList?.Arguments[0].GetLocation() ?? method.Locations[0], ns ?? "null"));
            }
        }

        bool hasNamespace = attribute.ConstructorArguments.Length == 1;
        bool hasTags = NamedStrings(attribute, "Tags").Any();
        if (!hasNamespace && NamedString(attribute, "Key") is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidationWithoutTarget, syntax?.GetLocation() ?? method.Locations[0], method.Name, "has a Key but no namespace to look it up in; write [InvalidatesCache(\"ns\", Key = ...)]"));
        }
        else if (!hasNamespace && !hasTags)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidationWithoutTarget, syntax?.GetLocation() ?? method.Locations[0], method.Name, "names neither a namespace nor tags"));
        }

        var used = new HashSet<string>();
        if (NamedString(attribute, "Key") is { } template)
        {
            CheckTemplate(context, method, template, Named("Key"), used);
        }

        foreach (string tag in NamedStrings(attribute, "Tags"))
        {
            CheckTemplate(context, method, tag, Named("Tags"), used);
        }
    }

    /// <summary>Reports a template's first problem, and its placeholders' key-part warnings; records the parameters it uses.</summary>
    private static void CheckTemplate(SymbolAnalysisContext context, IMethodSymbol method, string template, Location location, HashSet<string> used)
    {
        foreach (var segment in CacheKeyRules.SplitTemplate(template))
        {
            if (segment.Kind == TemplateSegmentKind.Placeholder)
            {
                used.Add(segment.Text.Split('.')[0]);
            }
        }

        if (!TryParseTemplate(template, method, out var segments, out var error, out string subject))
        {
            switch (error)
            {
                case TemplateError.Malformed:
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.MalformedTemplate, location, template, subject));
                    break;
                case TemplateError.UnknownPlaceholder:
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UnknownPlaceholder, location, subject, template, method.Name));
                    break;
                default:
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.UnsupportedKeyType, location, subject, PathType(method, subject)?.ToDisplayString() ?? "?", method.Name));
                    break;
            }

            return;
        }

        foreach (var segment in segments)
        {
            if (segment.Value is not null && PathType(method, segment.Expression!.Replace("?.", ".").TrimStart('@')) is { } type)
            {
                CheckKeyPart(context, method, segment.Expression!.Replace("?.", "."), type, segment.Value, location);
            }
        }
    }

    private static void CheckKeyPart(SymbolAnalysisContext context, IMethodSymbol method, string name, ITypeSymbol type, KeyValueSpec value, Location location)
    {
        if (ImpreciseReason(type) is { } reason)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ImpreciseKeyType, location, name, type.ToDisplayString(), reason, method.Name));
        }

        if (UnboundedKind(value, type) is { } kind)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.HashedKeyPart, location, name, kind, method.Name));
        }
    }

    private static bool AllContainingTypesPartial(IMethodSymbol method, System.Threading.CancellationToken ct)
    {
        for (var type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            if (!IsPartial(type, ct))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsNotCacheKey(IParameterSymbol parameter) =>
        parameter.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == KnownNames.NotCacheKeyAttribute);
}
