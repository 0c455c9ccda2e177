using System.Collections.Immutable;
using CacheGen.Generator;
using CacheGen.Generator.Helpers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace CacheGen.Analyzers;

/// <summary>
/// Flags a cached method's <c>Core</c> that reads the clock, a random source, a new GUID or the current user:
/// the first caller's value would be served to every later caller.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class NondeterministicCoreAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.NondeterministicCore);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        // the Core check once per method body, and the per-operation checks only inside a cached method's Core
        context.RegisterOperationBlockStartAction(static start =>
        {
            if (IsCachedCore(start.OwningSymbol))
            {
                start.RegisterOperationAction(Analyze, OperationKind.PropertyReference, OperationKind.Invocation, OperationKind.ObjectCreation);
            }
        });
    }

    private static void Analyze(OperationAnalysisContext context)
    {
        // runs for every property read, call and 'new' of a Core: member names first, then the containing type by
        // name without formatting it
        string? read = context.Operation switch
        {
            IPropertyReferenceOperation p => Describe(p.Property.ContainingType, p.Property.Name, isCall: false),
            IInvocationOperation i => Describe(i.TargetMethod.ContainingType, i.TargetMethod.Name, isCall: true),
            IObjectCreationOperation { Type: { Name: "Random" } type } when CacheGenGenerator.Parser.HasFullName(type, "System.Random") => "new Random()",
            _ => null,
        };
        if (read is null)
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NondeterministicCore, context.Operation.Syntax.GetLocation(), context.ContainingSymbol.Name, read));
    }

    private static string? Describe(INamedTypeSymbol? type, string member, bool isCall)
    {
        if (type is null)
        {
            return null;
        }

        string? typeName = (member, isCall) switch
        {
            ("Now" or "UtcNow", false) => type.Name is "DateTime" or "DateTimeOffset" ? type.Name : null,
            ("Today", false) => "DateTime",
            ("NewGuid", true) => "Guid",
            ("Shared", false) => "Random",
            ("User", false) => "HttpContext",
            _ => null,
        };
        if (typeName is null || type.Name != typeName)
        {
            return null;
        }

        string ns = typeName == "HttpContext" ? "Microsoft.AspNetCore.Http." : "System.";
        return CacheGenGenerator.Parser.HasFullName(type, ns + typeName) ? typeName + "." + member + (isCall ? "()" : string.Empty) : null;
    }

    /// <summary>Whether the symbol is <c>XCore</c> next to a <c>[Cached]</c> method <c>X</c>.</summary>
    private static bool IsCachedCore(ISymbol symbol)
    {
        if (symbol is not IMethodSymbol { Name.Length: > 4 } method || !method.Name.EndsWith(KnownNames.CoreSuffix, System.StringComparison.Ordinal))
        {
            return false;
        }

        // runs for every method body of the compilation: loops, no LINQ or closures (each would allocate per body)
        string name = method.Name.Substring(0, method.Name.Length - KnownNames.CoreSuffix.Length);
        int parameters = method.Parameters.Length;
        foreach (var member in method.ContainingType.GetMembers(name))
        {
            if (member is IMethodSymbol candidate && candidate.Parameters.Length == parameters && HasCachedAttribute(candidate))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasCachedAttribute(IMethodSymbol method)
    {
        foreach (var attribute in method.GetAttributes())
        {
            if (attribute.AttributeClass is { } type && CacheGenGenerator.Parser.HasFullName(type, KnownNames.CachedAttribute))
            {
                return true;
            }
        }

        return false;
    }
}
