using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using CacheGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CacheGen.Generator.Values;

/// <summary>The value walk: the known derived types of a non-sealed type (its union cases).</summary>
internal sealed partial class ValueWalker
{
    private static readonly ConditionalWeakTable<IAssemblySymbol, List<INamedTypeSymbol>> s_sourceTypes = new();

    /// <summary>The known derived types of <paramref name="type"/>, as the walk finds them (for <see cref="ImmutabilityProof"/>).</summary>
    internal static List<INamedTypeSymbol> DerivedTypesOf(INamedTypeSymbol type, IAssemblySymbol assembly, CancellationToken ct) => new ValueWalker(assembly, problemsOnly: false, ct).KnownDerivedTypes(type).ToList();

    /// <summary>The concrete types deriving from (or implementing) <paramref name="type"/>: declared by <c>[JsonDerivedType]</c> or found in this assembly, ordered by name.</summary>
    private IEnumerable<INamedTypeSymbol> KnownDerivedTypes(INamedTypeSymbol type)
    {
        var found = new Dictionary<string, INamedTypeSymbol>(StringComparer.Ordinal);
        foreach (var attribute in type.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() == JsonDerivedTypeAttribute && attribute.ConstructorArguments.Length > 0 && attribute.ConstructorArguments[0].Value is INamedTypeSymbol declared && !declared.IsAbstract)
            {
                found[Canonical(declared)] = declared;
            }
        }

        foreach (var candidate in SourceTypes(_assembly))
        {
            if (candidate.IsAbstract || candidate.TypeKind is not (TypeKind.Class or TypeKind.Struct) || candidate.IsGenericType || !IsReachable(candidate))
            {
                continue;
            }

            bool derives = type.TypeKind == TypeKind.Interface
                ? candidate.AllInterfaces.Any(i => SymbolEqualityComparer.Default.Equals(i, type))
                : Bases(candidate).Any(b => SymbolEqualityComparer.Default.Equals(b, type));
            if (derives)
            {
                found[Canonical(candidate)] = candidate;
            }
        }

        return found.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value);
    }

    private static IEnumerable<INamedTypeSymbol> Bases(INamedTypeSymbol type)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType)
        {
            yield return t;
        }
    }

    private static List<INamedTypeSymbol> SourceTypes(IAssemblySymbol assembly) =>
        s_sourceTypes.GetValue(assembly, static a =>
        {
            var list = new List<INamedTypeSymbol>();
            var stack = new Stack<INamespaceOrTypeSymbol>();
            stack.Push(a.GlobalNamespace);
            while (stack.Count > 0)
            {
                foreach (var member in stack.Pop().GetMembers())
                {
                    if (member is INamespaceOrTypeSymbol container)
                    {
                        stack.Push(container);
                    }

                    if (member is INamedTypeSymbol named)
                    {
                        list.Add(named);
                    }
                }
            }

            return list;
        });

    private static bool IsReachable(INamedTypeSymbol type)
    {
        for (ITypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            if (t.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
            {
                return false;
            }
        }

        return true;
    }
}
