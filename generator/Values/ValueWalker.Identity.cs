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

/// <summary>The value walk: how a type is named in generated code, in the graph (its id) and in messages.</summary>
internal sealed partial class ValueWalker
{
    /// <summary>The <c>global::</c>-qualified name of a type, without nullable annotations; tuples as <c>ValueTuple&lt;…&gt;</c>.</summary>
    public static string Canonical(ITypeSymbol type)
    {
        switch (type)
        {
            case IArrayTypeSymbol array:
                return Canonical(array.ElementType) + "[]";
            case INamedTypeSymbol { IsGenericType: true } named:
                string head = named.ContainingType is { } outer
                    ? Canonical(outer) + "."
                    : named.ContainingNamespace is { IsGlobalNamespace: false } ns ? "global::" + ns.ToDisplayString() + "." : "global::";
                var text = new StringBuilder(head).Append(named.Name).Append('<');
                for (int i = 0; i < named.TypeArguments.Length; i++)
                {
                    text.Append(i == 0 ? string.Empty : ", ").Append(Canonical(named.TypeArguments[i]));
                }

                return text.Append('>').ToString();
            default:
                return type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(s_qualified);
        }
    }

    private static string TypeLabel(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);

    private static string MakeId(string canonical)
    {
        var sb = new StringBuilder();
        foreach (char c in canonical.Replace("global::", string.Empty))
        {
            sb.Append(char.IsLetterOrDigit(c) ? c : '_');
        }

        string readable = string.Join("_", sb.ToString().Split(new[] { '_' }, StringSplitOptions.RemoveEmptyEntries));
        if (readable.Length > 60)
        {
            readable = readable.Substring(readable.Length - 60).TrimStart('_');
        }

        return readable + "_" + ShortHash(canonical);
    }

    private static string ShortHash(string text) => CacheGenGenerator.Parser.Hash(text, 4);

    private static bool IsNamed(ISymbol symbol, string metadataName) => CacheGenGenerator.Parser.HasFullName(symbol, metadataName);

    /// <summary>
    /// <see cref="Canonical"/> and the graph id of a type, computed once per type symbol: every member of every cached
    /// value visits its type (most of them the same few scalars), and formatting plus hashing it each time was a large
    /// part of the generator's build cost. Held weakly, so nothing outlives the compilation's symbols.
    /// </summary>
    private static string[] Identify(ITypeSymbol type) =>
        s_identities.GetValue(type, static t =>
        {
            string canonical = Canonical(t);
            return new[] { canonical, MakeId(canonical) };
        });

    private static readonly ConditionalWeakTable<ITypeSymbol, string[]> s_identities = new();

    /// <summary>
    /// The walk's name and id of a type. Problems only (the analyzers): the id is the canonical name itself, unique
    /// within the walk as the hashed id is, so the problem and the immutability fact come out the same without the hash.
    /// </summary>
    private string[] IdentityOf(ITypeSymbol type) =>
        _problemsOnly ? s_canonicals.GetValue(type, static t => { string canonical = Canonical(t); return new[] { canonical, canonical }; }) : Identify(type);

    private static readonly ConditionalWeakTable<ITypeSymbol, string[]> s_canonicals = new();
}
