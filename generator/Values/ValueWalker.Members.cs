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

/// <summary>The value walk: the members that rebuild an object, and the constructor that takes them.</summary>
internal sealed partial class ValueWalker
{
    /// <summary>The members that rebuild <paramref name="type"/>, and the constructor that takes some of them.</summary>
    private bool TryMembers(INamedTypeSymbol type, string path, List<ValueMemberSpec> result)
    {
        // a class, not a tuple: List and LINQ over a tuple of references and bools are JIT-compiled in every cold build
        var state = new List<StateMember>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var chain = new List<INamedTypeSymbol>();
        for (var t = type; t is not null && t.SpecialType is not (SpecialType.System_Object or SpecialType.System_ValueType); t = t.BaseType)
        {
            chain.Insert(0, t);
        }

        // the most derived declaration wins a name (overrides, new); the order is base first, then declaration order
        var winners = new Dictionary<string, ISymbol>(StringComparer.Ordinal);
        for (int i = chain.Count - 1; i >= 0; i--)
        {
            foreach (var m in chain[i].GetMembers())
            {
                if (m is IPropertySymbol or IFieldSymbol && !winners.ContainsKey(m.Name))
                {
                    winners[m.Name] = m;
                }
            }
        }

        foreach (var t in chain)
        {
            foreach (var m in t.GetMembers())
            {
                _ct.ThrowIfCancellationRequested();
                if (m is not (IPropertySymbol or IFieldSymbol) || !seen.Add(m.Name))
                {
                    continue;
                }

                var member = winners[m.Name];
                if (member.IsStatic || member.DeclaredAccessibility != Accessibility.Public)
                {
                    continue;
                }

                switch (member)
                {
                    case IFieldSymbol { IsConst: false } field:
                        state.Add(new StateMember(field, field.Type, !field.IsReadOnly, field.IsRequired));
                        break;
                    case IPropertySymbol { IsIndexer: false } property when property.GetMethod is { DeclaredAccessibility: Accessibility.Public }:
                        bool settable = property.SetMethod is { DeclaredAccessibility: Accessibility.Public };
                        if (!settable && property.SetMethod is null && IsComputed(property))
                        {
                            continue;
                        }

                        state.Add(new StateMember(property, property.Type, settable, property.IsRequired));
                        break;
                }
            }
        }

        // a struct's own state is copied with it (a joiner, an L1 hit each get their copy): only what it references is shared
        if (type.IsValueType || HasReadOnlyState(chain))
        {
            _readOnlyState.Add(IdentityOf(type)[1]);
        }

        // the constructor: the one whose parameters all name members and that leaves no unsettable member unfilled
        var constructors = new List<IMethodSymbol>();
        foreach (var c in type.InstanceConstructors)
        {
            if ((c.DeclaredAccessibility == Accessibility.Public || (c.DeclaredAccessibility == Accessibility.Internal && SymbolEqualityComparer.Default.Equals(c.ContainingAssembly, _assembly)))
                && AllPlainParameters(c)
                && !(c.Parameters.Length == 1 && SymbolEqualityComparer.Default.Equals(c.Parameters[0].Type, type)))
            {
                // most parameters first; equal counts keep declaration order (as OrderByDescending did)
                int at = constructors.Count;
                while (at > 0 && constructors[at - 1].Parameters.Length < c.Parameters.Length)
                {
                    at--;
                }

                constructors.Insert(at, c);
            }
        }

        if (constructors.Count == 0)
        {
            return Fail(path, "'" + TypeLabel(type) + "' has no public constructor, so a stored value cannot be rebuilt") is not null;
        }

        IMethodSymbol? chosen = null;
        string? firstProblem = null;
        Dictionary<string, int>? binding = null;
        foreach (var ctor in constructors)
        {
            var bound = new Dictionary<string, int>(StringComparer.Ordinal);
            bool matches = true;
            for (int i = 0; i < ctor.Parameters.Length; i++)
            {
                var p = ctor.Parameters[i];
                StateMember? match = null;
                foreach (var s in state)
                {
                    if (string.Equals(s.Member.Name, p.Name, StringComparison.OrdinalIgnoreCase) && SymbolEqualityComparer.Default.Equals(s.Type, p.Type))
                    {
                        match = s;
                        break;
                    }
                }

                if (match is null || bound.ContainsKey(match.Member.Name))
                {
                    matches = false;
                    firstProblem ??= "the constructor parameter '" + p.Name + "' of '" + TypeLabel(type) + "' matches no public member of the same type, so CacheGen cannot tell what to pass it";
                    break;
                }

                bound[match.Member.Name] = i;
            }

            if (!matches)
            {
                continue;
            }

            StateMember? unfilled = null;
            foreach (var s in state)
            {
                if (!s.Settable && !bound.ContainsKey(s.Member.Name))
                {
                    unfilled = s;
                    break;
                }
            }

            if (unfilled is not null)
            {
                firstProblem ??= unfilled.Member is IFieldSymbol
                    ? "'" + unfilled.Member.Name + "' is a read-only field that no constructor parameter fills"
                    : ((IPropertySymbol)unfilled.Member).SetMethod is null
                        ? "'" + unfilled.Member.Name + "' is a get-only property that no constructor parameter fills"
                        : "'" + unfilled.Member.Name + "' has a non-public setter that no constructor parameter fills";
                continue;
            }

            chosen = ctor;
            binding = bound;
            break;
        }

        if (chosen is null || binding is null)
        {
            string member = firstProblem is not null && firstProblem.StartsWith("'", StringComparison.Ordinal) ? "." + firstProblem.Substring(1, firstProblem.IndexOf('\'', 1) - 1) : string.Empty;
            return Fail(path + member, firstProblem ?? "'" + TypeLabel(type) + "' has no usable constructor") is not null;
        }

        foreach (var s in state)
        {
            var member = s.Member;
            var memberType = s.Type;
            bool settable = s.Settable;
            bool required = s.Required;
            bool bound = binding.TryGetValue(member.Name, out int index);
            bool nonNullable = memberType.NullableAnnotation == NullableAnnotation.NotAnnotated;
            string? typeId = Visit(memberType, path + "." + member.Name, nonNullable);
            if (typeId is null)
            {
                return false;
            }

            result.Add(new ValueMemberSpec(CacheGenGenerator.Parser.Identifier(member.Name), typeId, bound ? index : -1, settable && (!bound || required)));
        }

        return true;
    }

    /// <summary>Whether no field or property of the chain can change after construction (declared in source, so private fields are seen too).</summary>
    private static bool HasReadOnlyState(List<INamedTypeSymbol> chain)
    {
        foreach (var t in chain)
        {
            if (t.DeclaringSyntaxReferences.Length == 0)
            {
                return false;
            }

            foreach (var m in t.GetMembers())
            {
                bool readOnly = m.IsStatic || m switch
                {
                    IFieldSymbol f => f.IsReadOnly || f.IsConst,
                    IPropertySymbol p => p.SetMethod is null || p.SetMethod.IsInitOnly,
                    _ => true,
                };
                if (!readOnly)
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static bool AllPlainParameters(IMethodSymbol constructor)
    {
        foreach (var p in constructor.Parameters)
        {
            if (p.RefKind != RefKind.None || p.IsParams)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A public field or property the formatter writes, and how it may be set.</summary>
    private sealed class StateMember
    {
        public StateMember(ISymbol member, ITypeSymbol type, bool settable, bool required)
        {
            Member = member;
            Type = type;
            Settable = settable;
            Required = required;
        }

        public ISymbol Member { get; }

        public ITypeSymbol Type { get; }

        public bool Settable { get; }

        public bool Required { get; }
    }

    /// <summary>
    /// A property with a body: derived from other state, so neither written by the formatter nor part of what an
    /// immutability proof must check (a synthesized record property and an auto-property are state).
    /// </summary>
    internal static bool IsComputed(IPropertySymbol property)
    {
        if (property.DeclaringSyntaxReferences.Length == 0)
        {
            return false;
        }

        foreach (var reference in property.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is not PropertyDeclarationSyntax syntax)
            {
                return false;
            }

            if (syntax.ExpressionBody is null && !(syntax.AccessorList?.Accessors.Any(a => a.Body is not null || a.ExpressionBody is not null) ?? false))
            {
                return false;
            }
        }

        return true;
    }
}
