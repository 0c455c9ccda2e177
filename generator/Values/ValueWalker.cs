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

/// <summary>The result of walking a cached value type: a formatter graph, or why none can be proven.</summary>
internal readonly struct ValueAnalysis
{
    public ValueAnalysis(ValueGraphSpec? graph, string? problem)
    {
        Graph = graph;
        Problem = problem;
    }

    public ValueGraphSpec? Graph { get; }

    /// <summary>Why the value cannot be proven to round-trip, naming the member: <c>Order.Lines[].Name: …</c>.</summary>
    public string? Problem { get; }
}

/// <summary>
/// The compile-time type walk over a cached value type and everything it reaches. It either builds the graph
/// the formatter emitter writes (every member read and how the value is rebuilt) or names the member that
/// cannot round-trip exactly. The same walk gives the schema fingerprint and the deep-immutability fact.
/// The only code here that touches symbols; its output is equatable data.
/// </summary>
internal sealed partial class ValueWalker
{
    public const string SerializerProperty = "Serializer";
    private const string FormatterInterface = "MessagePack.Formatters.IMessagePackFormatter<T>";
    private const string JsonDerivedTypeAttribute = "System.Text.Json.Serialization.JsonDerivedTypeAttribute";

    private static readonly SymbolDisplayFormat s_qualified = SymbolDisplayFormat.FullyQualifiedFormat;

    // a generic definition's display name (List<T>), for the collection tables: formatted once per definition symbol
    private static readonly ConditionalWeakTable<INamedTypeSymbol, string> s_originals = new();

    private readonly IAssemblySymbol _assembly;
    private readonly CancellationToken _ct;

    // problems only (the analyzers): a type's id is its canonical name, not a hashed identifier, and no graph is kept
    private readonly bool _problemsOnly;
    private readonly Dictionary<string, ValueTypeSpec> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _fingerprints = new(StringComparer.Ordinal);
    private readonly HashSet<string> _walking = new(StringComparer.Ordinal);
    private string? _problem;

    private ValueWalker(IAssemblySymbol assembly, bool problemsOnly, CancellationToken ct, HashSet<ITypeSymbol>? reusing = null)
    {
        _assembly = assembly;
        _problemsOnly = problemsOnly;
        _ct = ct;
        _reusing = reusing ?? new HashSet<ITypeSymbol>(SymbolEqualityComparer.IncludeNullability);
    }

    /// <summary>
    /// Walks <paramref name="valueType"/>, or checks the <c>Serializer =</c> formatter when one is given. With
    /// <paramref name="problemsOnly"/> (the analyzers) the problem and the deep-immutability fact are the same, but the
    /// graph is empty and carries no fingerprint: no type is named or hashed for generated code.
    /// </summary>
    public static ValueAnalysis Analyze(ITypeSymbol valueType, ITypeSymbol? serializer, IAssemblySymbol assembly, CancellationToken ct, bool problemsOnly = false)
    {
        if (serializer is not null)
        {
            if (SerializerProblem(serializer, valueType) is { } bad)
            {
                return new ValueAnalysis(null, bad);
            }

            string rootType = problemsOnly ? string.Empty : valueType.ToDisplayString(s_qualified.AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier));
            string custom = problemsOnly ? string.Empty : serializer.ToDisplayString(s_qualified);
            return new ValueAnalysis(new ValueGraphSpec(null, rootType, EquatableArray<ValueTypeSpec>.Empty, false, "custom:" + custom, custom), null);
        }

        var walker = new ValueWalker(assembly, problemsOnly, ct);
        string? root = walker.Visit(valueType, TypeLabel(valueType), nonNullable: false);
        if (root is null || walker._problem is not null)
        {
            return new ValueAnalysis(null, walker._problem ?? "the type cannot be written");
        }

        if (problemsOnly)
        {
            return new ValueAnalysis(new ValueGraphSpec(root, string.Empty, EquatableArray<ValueTypeSpec>.Empty, walker.IsImmutable(root, new HashSet<string>(StringComparer.Ordinal)), string.Empty, null), null);
        }

        string rootDisplay = valueType.ToDisplayString(s_qualified.AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier));

        // ids are unique, so an unstable sort orders them exactly as OrderBy did
        var ids = new List<string>(walker._types.Keys);
        ids.Sort(StringComparer.Ordinal);
        var types = new List<ValueTypeSpec>(ids.Count);
        foreach (string id in ids)
        {
            types.Add(walker._types[id]);
        }

        var printed = new List<string>(walker._fingerprints.Keys);
        printed.Sort(StringComparer.Ordinal);
        var fingerprint = new StringBuilder(root);
        foreach (var id in printed)
        {
            fingerprint.Append('\n').Append(walker._fingerprints[id]);
        }

        bool immutable = walker.IsImmutable(root, new HashSet<string>(StringComparer.Ordinal));
        return new ValueAnalysis(new ValueGraphSpec(root, rootDisplay, new EquatableArray<ValueTypeSpec>(types), immutable, fingerprint.ToString(), null), null);
    }

    /// <summary>Why a <c>Serializer =</c> type cannot format <paramref name="valueType"/>, or null (CGEN030).</summary>
    public static string? SerializerProblem(ITypeSymbol serializer, ITypeSymbol valueType)
    {
        if (serializer is not INamedTypeSymbol named || named.IsAbstract || named.IsUnboundGenericType || named.TypeParameters.Length > 0)
        {
            return "it is not a concrete, non-generic class";
        }

        if (!named.AllInterfaces.Any(i => i.OriginalDefinition.ToDisplayString() == FormatterInterface && SymbolEqualityComparer.Default.Equals(i.TypeArguments[0], valueType)))
        {
            return "it does not implement IMessagePackFormatter<" + valueType.ToDisplayString() + ">";
        }

        if (!named.InstanceConstructors.Any(c => c.Parameters.Length == 0 && c.DeclaredAccessibility is Accessibility.Public or Accessibility.Internal))
        {
            return "it has no public parameterless constructor";
        }

        return IsReachable(named) ? null : "it is private or protected, so generated code cannot create it";
    }

    /// <summary>The <c>Serializer =</c> named argument of a <c>[Cached]</c> attribute, or null.</summary>
    public static ITypeSymbol? SerializerArgument(AttributeData attribute)
    {
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Key == SerializerProperty)
            {
                return argument.Value.Value as ITypeSymbol;
            }
        }

        return null;
    }

    private string? Fail(string path, string reason)
    {
        _problem ??= path + ": " + reason;
        return null;
    }

    /// <summary>Adds <paramref name="type"/> (and what it reaches) to the graph; returns its id, or null with <see cref="_problem"/> set.</summary>
    private string? Visit(ITypeSymbol type, string path, bool nonNullable)
    {
        _ct.ThrowIfCancellationRequested();
        if (_problem is not null)
        {
            return null;
        }

        string[] identity = IdentityOf(type);
        string canonical = identity[0];
        string id = identity[1];
        if (_walking.Contains(id))
        {
            // reached again before its walk ended (a cycle, even through a type already in the graph): this walk's
            // result may depend on where it started, so it is not reused (ValueWalker.Memo.cs)
            _sawCycle = true;
        }

        if (_types.ContainsKey(id))
        {
            return id;
        }

        if (_walking.Contains(id))
        {
            // reached again while its members are being walked: fine through null or a collection, infinite otherwise
            return nonNullable && type.IsReferenceType
                ? Fail(path, "it refers back to '" + TypeLabel(type) + "' through a non-nullable member, so every value is infinite or a cycle; make the member nullable or break the cycle")
                : id;
        }

        if (s_scalars.TryGetValue(canonical, out string? scalar))
        {
            return Add(new ValueTypeSpec(id, canonical, ValueShapeKind.Scalar, type.IsReferenceType, scalar, null, null, null, EquatableArray<ValueMemberSpec>.Empty, EquatableArray<string>.Empty, false, false), _problemsOnly ? null : canonical);
        }

        if (UnsupportedReason(type) is { } reason)
        {
            return Fail(path, reason);
        }

        switch (type)
        {
            case ITypeParameterSymbol parameter:
                return Fail(path, "'" + parameter.Name + "' is a type parameter: formatters are emitted at build time and cannot know what it will be (use Serializer = typeof(...) or a closed type)");
            case IArrayTypeSymbol array:
                if (array.Rank != 1)
                {
                    return Fail(path, "multi-dimensional arrays are not supported; use a jagged array or a list");
                }

                return VisitCollection(id, canonical, ValueShapeKind.Array, "Array", array.ElementType, null, path + "[]");
            case INamedTypeSymbol named:
                return VisitNamed(id, canonical, named, path);
            default:
                return Fail(path, "'" + TypeLabel(type) + "' has no value CacheGen can write");
        }
    }

    private string? VisitNamed(string id, string canonical, INamedTypeSymbol named, string path)
    {
        // only generic definitions are in the collection tables (and KeyValuePair): no need to format the others
        string original = named.IsGenericType ? s_originals.GetValue(named.OriginalDefinition, static d => d.ToDisplayString()) : string.Empty;
        if (named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
        {
            _walking.Add(id);
            string? element = Visit(named.TypeArguments[0], path, nonNullable: true);
            _walking.Remove(id);
            return element is null ? null : Add(new ValueTypeSpec(id, canonical, ValueShapeKind.Nullable, false, null, element, null, null, EquatableArray<ValueMemberSpec>.Empty, EquatableArray<string>.Empty, false, false), _problemsOnly ? null : canonical + "?" + element);
        }

        if (named.TypeKind == TypeKind.Enum)
        {
            string underlying = s_scalars[named.EnumUnderlyingType!.ToDisplayString()];
            var spec = new ValueTypeSpec(id, canonical, ValueShapeKind.Enum, false, underlying, null, null, null, EquatableArray<ValueMemberSpec>.Empty, EquatableArray<string>.Empty, false, false);
            if (_problemsOnly)
            {
                return Add(spec, null);
            }

            string members = string.Join(",", named.GetMembers().OfType<IFieldSymbol>().Where(f => f.HasConstantValue).Select(f => f.Name + "=" + Convert.ToString(f.ConstantValue, System.Globalization.CultureInfo.InvariantCulture)));
            return Add(spec, canonical + ":" + underlying + "(" + members + ")");
        }

        if (s_sequences.TryGetValue(original, out string? build))
        {
            return VisitCollection(id, canonical, ValueShapeKind.Collection, build, named.TypeArguments[0], null, path + "[]");
        }

        if (s_dictionaries.TryGetValue(original, out build))
        {
            return VisitCollection(id, canonical, ValueShapeKind.Dictionary, build, named.TypeArguments[1], named.TypeArguments[0], path + "[]");
        }

        if (named.SpecialType == SpecialType.System_Collections_IEnumerable || ImplementsIEnumerable(named))
        {
            return Fail(path, "'" + TypeLabel(named) + "' is a collection CacheGen has no formatter for; use an array, List<T>, HashSet<T>, Dictionary<K,V>, or an immutable or frozen collection");
        }

        if (canonical.StartsWith("global::System.", StringComparison.Ordinal) && !named.IsTupleType && original != "System.Collections.Generic.KeyValuePair<TKey, TValue>")
        {
            return Fail(path, "'" + TypeLabel(named) + "' is a framework type CacheGen has no formatter for");
        }

        if (!IsReachable(named))
        {
            return Fail(path, "'" + TypeLabel(named) + "' is private or protected, so generated formatters cannot reach it");
        }

        // a tuple's element names are not part of its type: walk ValueTuple<…> itself (fields Item1…, its constructor)
        var shape = named.IsTupleType && named.TupleUnderlyingType is { } underlyingTuple ? underlyingTuple : named;
        return TryReuse(shape, id) ? id : VisitObject(id, canonical, shape, path);
    }

    private string? VisitCollection(string id, string canonical, ValueShapeKind kind, string build, ITypeSymbol element, ITypeSymbol? key, string path)
    {
        _walking.Add(id);
        string? keyId = key is null ? null : Visit(key, path + "(key)", nonNullable: true);
        string? elementId = Visit(element, path, nonNullable: false);
        _walking.Remove(id);
        if (elementId is null || (key is not null && keyId is null))
        {
            return null;
        }

        return Add(
            new ValueTypeSpec(id, canonical, kind, kind != ValueShapeKind.Collection || build != "ImmutableArray", null, elementId, keyId, build, EquatableArray<ValueMemberSpec>.Empty, EquatableArray<string>.Empty, false, false),
            _problemsOnly ? null : canonical + ":" + kind + ":" + build + "(" + keyId + "," + elementId + ")");
    }

    private string? VisitObject(string id, string canonical, INamedTypeSymbol named, string path)
    {
        _walking.Add(id);
        var cases = new List<INamedTypeSymbol>();
        bool isSealedShape = named.IsValueType || named.IsSealed;
        if (!named.IsAbstract && named.TypeKind != TypeKind.Interface)
        {
            cases.Add(named);
        }

        if (!isSealedShape)
        {
            foreach (var d in KnownDerivedTypes(named))
            {
                if (!SymbolEqualityComparer.Default.Equals(d, named))
                {
                    cases.Add(d);
                }
            }
        }

        if (cases.Count == 0)
        {
            _walking.Remove(id);
            return Fail(path, "'" + TypeLabel(named) + "' is " + (named.TypeKind == TypeKind.Interface ? "an interface" : "abstract") + " with no known implementations: declare them with [JsonDerivedType] on it, or define them in this assembly");
        }

        var members = new List<ValueMemberSpec>();
        // problems only (the analyzers): no fingerprint is kept
        var print = _problemsOnly ? null : new StringBuilder(canonical).Append(isSealedShape ? ":sealed{" : ":open{");
        bool hasBody = cases.Count > 0 && SymbolEqualityComparer.Default.Equals(cases[0], named);
        if (hasBody)
        {
            if (!TryMembers(named, path, members))
            {
                _walking.Remove(id);
                return null;
            }

            for (int i = 0; print is not null && i < members.Count; i++)
            {
                var m = members[i];
                print.Append(m.Name).Append(':').Append(m.TypeId).Append(m.ConstructorIndex >= 0 ? "@" + m.ConstructorIndex.ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Empty).Append(';');
            }
        }

        print?.Append('}');

        // the type itself must be in the graph before its derived types, whose members may refer back to it
        var caseIds = new List<string>();
        if (hasBody)
        {
            caseIds.Add(id);
        }

        var spec = new ValueTypeSpec(id, canonical, ValueShapeKind.Object, named.IsReferenceType, null, null, null, null, new EquatableArray<ValueMemberSpec>(members), EquatableArray<string>.Empty, hasBody, !isSealedShape);
        _types[id] = spec;
        for (int c = hasBody ? 1 : 0; c < cases.Count; c++)
        {
            var derived = cases[c];
            string derivedId = IdentityOf(derived)[1];
            if (!_types.TryGetValue(derivedId, out var derivedSpec) || !derivedSpec.HasBody)
            {
                if (Visit(derived, path + "(as " + TypeLabel(derived) + ")", nonNullable: false) is null)
                {
                    _types.Remove(id);
                    _walking.Remove(id);
                    return null;
                }
            }

            caseIds.Add(derivedId);
        }

        _walking.Remove(id);
        _types[id] = spec with { Cases = new EquatableArray<string>(caseIds) };
        if (print is not null)
        {
            _fingerprints[id] = print.Append(" cases[").Append(string.Join(",", caseIds)).Append(']').ToString();
        }

        return id;
    }

    private static bool ImplementsIEnumerable(INamedTypeSymbol named)
    {
        foreach (var i in named.AllInterfaces)
        {
            if (i.SpecialType == SpecialType.System_Collections_IEnumerable)
            {
                return true;
            }
        }

        return false;
    }

    // fingerprint: null in problems-only mode (the analyzers keep none)
    private string Add(ValueTypeSpec spec, string? fingerprint)
    {
        _types[spec.Id] = spec;
        if (fingerprint is not null)
        {
            _fingerprints[spec.Id] = fingerprint;
        }

        return spec.Id;
    }
}
