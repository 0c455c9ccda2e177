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

/// <summary>The value walk: the types it writes directly (scalars) and the collections it rebuilds, by name.</summary>
internal sealed partial class ValueWalker
{
    private static readonly Dictionary<string, string> s_scalars = new(StringComparer.Ordinal)
    {
        ["bool"] = "Boolean", ["byte"] = "Byte", ["sbyte"] = "SByte", ["short"] = "Int16", ["ushort"] = "UInt16",
        ["int"] = "Int32", ["uint"] = "UInt32", ["long"] = "Int64", ["ulong"] = "UInt64", ["float"] = "Single",
        ["double"] = "Double", ["char"] = "Char", ["string"] = "String", ["decimal"] = "Decimal", ["byte[]"] = "Bytes",
        ["global::System.Guid"] = "Guid", ["global::System.DateTime"] = "DateTime", ["global::System.DateTimeOffset"] = "DateTimeOffset",
        ["global::System.TimeSpan"] = "TimeSpan", ["global::System.DateOnly"] = "DateOnly", ["global::System.TimeOnly"] = "TimeOnly",
        ["global::System.Half"] = "Half", ["global::System.Int128"] = "Int128", ["global::System.UInt128"] = "UInt128",
        ["global::System.Numerics.BigInteger"] = "BigInteger", ["global::System.Uri"] = "Uri", ["global::System.Version"] = "Version",
    };

    // OriginalDefinition display → how it is rebuilt; sequences first, then dictionaries
    private static readonly Dictionary<string, string> s_sequences = new(StringComparer.Ordinal)
    {
        ["System.Collections.Generic.List<T>"] = "List",
        ["System.Collections.Generic.IList<T>"] = "List",
        ["System.Collections.Generic.ICollection<T>"] = "List",
        ["System.Collections.Generic.IEnumerable<T>"] = "Enumerable",
        ["System.Collections.Generic.IReadOnlyList<T>"] = "List",
        ["System.Collections.Generic.IReadOnlyCollection<T>"] = "List",
        ["System.Collections.Generic.HashSet<T>"] = "HashSet",
        ["System.Collections.Generic.ISet<T>"] = "HashSet",
        ["System.Collections.Generic.IReadOnlySet<T>"] = "HashSet",
        ["System.Collections.Immutable.ImmutableArray<T>"] = "ImmutableArray",
        ["System.Collections.Immutable.ImmutableList<T>"] = "ImmutableList",
        ["System.Collections.Immutable.IImmutableList<T>"] = "ImmutableList",
        ["System.Collections.Immutable.ImmutableHashSet<T>"] = "ImmutableHashSet",
        ["System.Collections.Immutable.IImmutableSet<T>"] = "ImmutableHashSet",
        ["System.Collections.Immutable.ImmutableSortedSet<T>"] = "ImmutableSortedSet",
        ["System.Collections.Frozen.FrozenSet<T>"] = "FrozenSet",
    };

    private static readonly Dictionary<string, string> s_dictionaries = new(StringComparer.Ordinal)
    {
        ["System.Collections.Generic.Dictionary<TKey, TValue>"] = "Dictionary",
        ["System.Collections.Generic.IDictionary<TKey, TValue>"] = "Dictionary",
        ["System.Collections.Generic.IReadOnlyDictionary<TKey, TValue>"] = "Dictionary",
        ["System.Collections.Immutable.ImmutableDictionary<TKey, TValue>"] = "ImmutableDictionary",
        ["System.Collections.Immutable.IImmutableDictionary<TKey, TValue>"] = "ImmutableDictionary",
        ["System.Collections.Immutable.ImmutableSortedDictionary<TKey, TValue>"] = "ImmutableSortedDictionary",
        ["System.Collections.Frozen.FrozenDictionary<TKey, TValue>"] = "FrozenDictionary",
    };

    private static readonly HashSet<string> s_immutableBuilds = new(StringComparer.Ordinal)
    {
        "ImmutableArray", "ImmutableList", "ImmutableHashSet", "ImmutableSortedSet", "FrozenSet", "ImmutableDictionary", "ImmutableSortedDictionary", "FrozenDictionary",
    };
}
