using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CacheGen.Generator.Values;

/// <summary>
/// The compile-time proof that a cached value type is deeply immutable, so the in-process level (L1) may hand one
/// instance to every caller; or the first reason it is not (CGEN040), naming the member and what would make it so.
/// Stricter than the value walk's own fact: every instance field counts (private ones too, and their types, since
/// a method of the type could change what a private list holds), not only the members that are written.
/// </summary>
internal static class ImmutabilityProof
{
    private static readonly HashSet<string> s_immutableScalars = new(StringComparer.Ordinal)
    {
        "System.Guid", "System.DateTime", "System.DateTimeOffset", "System.TimeSpan", "System.DateOnly", "System.TimeOnly",
        "System.Half", "System.Int128", "System.UInt128", "System.Numerics.BigInteger", "System.Uri", "System.Version",
    };

    // sealed (or BCL-internal implementations only): a value of the declared type cannot be a mutable subtype
    private static readonly HashSet<string> s_immutableCollections = new(StringComparer.Ordinal)
    {
        "System.Collections.Immutable.ImmutableArray<T>",
        "System.Collections.Immutable.ImmutableList<T>",
        "System.Collections.Immutable.ImmutableHashSet<T>",
        "System.Collections.Immutable.ImmutableSortedSet<T>",
        "System.Collections.Immutable.ImmutableDictionary<TKey, TValue>",
        "System.Collections.Immutable.ImmutableSortedDictionary<TKey, TValue>",
        "System.Collections.Frozen.FrozenSet<T>",
        "System.Collections.Frozen.FrozenDictionary<TKey, TValue>",
    };

    /// <summary>Null when <paramref name="type"/> is proven deeply immutable; otherwise why not (<c>Order.Lines: …; …</c>).</summary>
    public static string? Explain(ITypeSymbol type, IAssemblySymbol assembly, CancellationToken ct) =>
        Check(type, TypeLabel(type), assembly, new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default), ct);

    private static string? Check(ITypeSymbol type, string path, IAssemblySymbol assembly, HashSet<ITypeSymbol> visiting, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (type.SpecialType is >= SpecialType.System_Boolean and <= SpecialType.System_String || type.TypeKind == TypeKind.Enum)
        {
            return null;
        }

        if (type is IArrayTypeSymbol array)
        {
            return path + ": an array can be changed in place; declare ImmutableArray<" + TypeLabel(array.ElementType) + "> instead";
        }

        if (type is not INamedTypeSymbol named)
        {
            return path + ": '" + TypeLabel(type) + "' cannot be proven immutable";
        }

        if (named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
        {
            return Check(named.TypeArguments[0], path, assembly, visiting, ct);
        }

        string definition = named.OriginalDefinition.ToDisplayString();
        if (s_immutableScalars.Contains(definition))
        {
            return null;
        }

        if (s_immutableCollections.Contains(definition))
        {
            for (int i = 0; i < named.TypeArguments.Length; i++)
            {
                if (Check(named.TypeArguments[i], path + (named.TypeArguments.Length == 2 && i == 0 ? "{key}" : "[]"), assembly, visiting, ct) is { } element)
                {
                    return element;
                }
            }

            return null;
        }

        if (named.IsTupleType)
        {
            // a value tuple is copied on every hit (L1 unboxes its own copy): only what its elements reference is shared
            foreach (var element in named.TupleElements)
            {
                if (Check(element.Type, path + "." + element.Name, assembly, visiting, ct) is { } elementProblem)
                {
                    return elementProblem;
                }
            }

            return null;
        }

        if (definition.StartsWith("System.Collections.", StringComparison.Ordinal))
        {
            string fix = named.TypeArguments.Length == 2 ? "ImmutableDictionary<K, V> or FrozenDictionary<K, V>" : "ImmutableArray<T>, ImmutableList<T> or FrozenSet<T>";
            return path + ": '" + TypeLabel(named) + "' may be changed by any holder"
                + (named.TypeKind == TypeKind.Interface ? " (a read-only interface may hold a List<T> or Dictionary<K, V>)" : string.Empty)
                + "; declare " + fix + " instead";
        }

        if (!visiting.Add(named))
        {
            return null; // a cycle: the type is being proven already
        }

        try
        {
            return CheckObject(named, path, assembly, visiting, ct);
        }
        finally
        {
            visiting.Remove(named);
        }
    }

    private static string? CheckObject(INamedTypeSymbol type, string path, IAssemblySymbol assembly, HashSet<ITypeSymbol> visiting, CancellationToken ct)
    {
        string label = TypeLabel(type);
        if (type.TypeKind == TypeKind.Interface || (type.TypeKind == TypeKind.Class && !type.IsSealed))
        {
            // the value's formatter refuses any runtime type outside the known ones, and L1 keeps an instance only
            // after it was written, so the known derived types are all a value can be
            var derived = ValueWalker.DerivedTypesOf(type, assembly, ct);
            if (derived.Count == 0 && (type.TypeKind == TypeKind.Interface || type.IsAbstract))
            {
                return path + ": '" + label + "' has no known implementing type; return a sealed record instead";
            }

            foreach (var d in derived)
            {
                if (!d.Equals(type, SymbolEqualityComparer.Default) && Check(d, path + "(" + TypeLabel(d) + ")", assembly, visiting, ct) is { } derivedProblem)
                {
                    return derivedProblem;
                }
            }

            if (type.TypeKind == TypeKind.Interface || type.IsAbstract)
            {
                return null;
            }
        }

        // a struct is copied on every hit (L1 unboxes its own copy), so its own fields may be writable: only what they
        // reference is shared between callers
        bool copied = type.IsValueType;
        for (var t = type; t is not null && t.SpecialType is not (SpecialType.System_Object or SpecialType.System_ValueType); t = t.BaseType)
        {
            string at = t.Equals(type, SymbolEqualityComparer.Default) ? label : TypeLabel(t) + " (a base of '" + label + "')";
            if (t.DeclaringSyntaxReferences.Length == 0)
            {
                return path + ": '" + at + "' is declared in another assembly, so its private state cannot be checked; copy the data into a sealed record of your own";
            }

            foreach (var reference in t.DeclaringSyntaxReferences)
            {
                if (!copied && reference.GetSyntax(ct) is TypeDeclarationSyntax { ParameterList.Parameters.Count: > 0 } declaration and not RecordDeclarationSyntax)
                {
                    return path + ": '" + at + "' captures the primary-constructor parameter '" + declaration.ParameterList.Parameters[0].Identifier.ValueText
                        + "', which its members may reassign; make it a record, or assign each parameter to a get-only or init property";
                }
            }

            foreach (var member in t.GetMembers())
            {
                if (member.IsStatic)
                {
                    continue;
                }

                switch (member)
                {
                    case IFieldSymbol field when field.AssociatedSymbol is null && !field.IsConst:
                        if (!field.IsReadOnly && !copied)
                        {
                            return path + "." + field.Name + ": the field is writable; make it readonly";
                        }

                        if (Check(field.Type, path + "." + field.Name, assembly, visiting, ct) is { } fieldProblem)
                        {
                            return fieldProblem;
                        }

                        break;
                    case IPropertySymbol { IsIndexer: false } property when !(property.IsImplicitlyDeclared && property.Name == "EqualityContract"):
                        if (property.SetMethod is { IsInitOnly: false } && !copied)
                        {
                            return path + "." + property.Name + ": the property has a setter; make it init or get-only";
                        }

                        if (!ValueWalker.IsComputed(property) && Check(property.Type, path + "." + property.Name, assembly, visiting, ct) is { } propertyProblem)
                        {
                            return propertyProblem;
                        }

                        break;
                    case IEventSymbol e:
                        return path + "." + e.Name + ": an event holds writable handlers; remove it from the cached type";
                }
            }
        }

        return null;
    }

    private static string TypeLabel(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
}
