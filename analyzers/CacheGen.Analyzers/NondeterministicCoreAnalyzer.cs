using System.Collections.Immutable;
using System.Linq;
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
        context.RegisterOperationAction(Analyze, OperationKind.PropertyReference, OperationKind.Invocation, OperationKind.ObjectCreation);
    }

    private static void Analyze(OperationAnalysisContext context)
    {
        string? read = context.Operation switch
        {
            IPropertyReferenceOperation p => Describe(p.Property.ContainingType, p.Property.Name),
            IInvocationOperation i => Describe(i.TargetMethod.ContainingType, i.TargetMethod.Name + "()"),
            IObjectCreationOperation o when o.Type?.ToDisplayString() == "System.Random" => "new Random()",
            _ => null,
        };
        if (read is null || !IsCachedCore(context.ContainingSymbol))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NondeterministicCore, context.Operation.Syntax.GetLocation(), context.ContainingSymbol.Name, read));
    }

    private static string? Describe(INamedTypeSymbol? type, string member) =>
        (type?.ToDisplayString(), member) switch
        {
            ("System.DateTime", "Now" or "UtcNow" or "Today") => "DateTime." + member,
            ("System.DateTimeOffset", "Now" or "UtcNow") => "DateTimeOffset." + member,
            ("System.Guid", "NewGuid()") => "Guid.NewGuid()",
            ("System.Random", "Shared") => "Random.Shared",
            ("Microsoft.AspNetCore.Http.HttpContext", "User") => "HttpContext.User",
            _ => null,
        };

    /// <summary>Whether the symbol is <c>XCore</c> next to a <c>[Cached]</c> method <c>X</c>.</summary>
    private static bool IsCachedCore(ISymbol symbol)
    {
        if (symbol is not IMethodSymbol { Name.Length: > 4 } method || !method.Name.EndsWith(KnownNames.CoreSuffix, System.StringComparison.Ordinal))
        {
            return false;
        }

        string name = method.Name.Substring(0, method.Name.Length - KnownNames.CoreSuffix.Length);
        return method.ContainingType.GetMembers(name).OfType<IMethodSymbol>().Any(m =>
            m.Parameters.Length == method.Parameters.Length
            && m.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == KnownNames.CachedAttribute));
    }
}
