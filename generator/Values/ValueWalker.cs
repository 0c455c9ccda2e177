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
internal sealed class ValueWalker
{
    public const string SerializerProperty = "Serializer";
    private const string FormatterInterface = "MessagePack.Formatters.IMessagePackFormatter<T>";
    private const string JsonDerivedTypeAttribute = "System.Text.Json.Serialization.JsonDerivedTypeAttribute";

    private static readonly SymbolDisplayFormat s_qualified = SymbolDisplayFormat.FullyQualifiedFormat;
    private static readonly ConditionalWeakTable<IAssemblySymbol, List<INamedTypeSymbol>> s_sourceTypes = new();

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

    private readonly IAssemblySymbol _assembly;
    private readonly CancellationToken _ct;
    private readonly Dictionary<string, ValueTypeSpec> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _fingerprints = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool> _immutable = new(StringComparer.Ordinal);
    private readonly HashSet<string> _walking = new(StringComparer.Ordinal);
    private string? _problem;

    private ValueWalker(IAssemblySymbol assembly, CancellationToken ct)
    {
        _assembly = assembly;
        _ct = ct;
    }

    /// <summary>Walks <paramref name="valueType"/>, or checks the <c>Serializer =</c> formatter when one is given.</summary>
    public static ValueAnalysis Analyze(ITypeSymbol valueType, ITypeSymbol? serializer, IAssemblySymbol assembly, CancellationToken ct)
    {
        string rootType = valueType.ToDisplayString(s_qualified.AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier));
        if (serializer is not null)
        {
            return SerializerProblem(serializer, valueType) is { } bad
                ? new ValueAnalysis(null, bad)
                : new ValueAnalysis(new ValueGraphSpec(null, rootType, EquatableArray<ValueTypeSpec>.Empty, false, "custom:" + serializer.ToDisplayString(s_qualified), serializer.ToDisplayString(s_qualified)), null);
        }

        var walker = new ValueWalker(assembly, ct);
        string? root = walker.Visit(valueType, TypeLabel(valueType), nonNullable: false);
        if (root is null || walker._problem is not null)
        {
            return new ValueAnalysis(null, walker._problem ?? "the type cannot be written");
        }

        var types = walker._types.Values.OrderBy(t => t.Id, StringComparer.Ordinal).ToList();
        var fingerprint = new StringBuilder(root);
        foreach (var id in walker._fingerprints.Keys.OrderBy(k => k, StringComparer.Ordinal))
        {
            fingerprint.Append('\n').Append(walker._fingerprints[id]);
        }

        bool immutable = walker.IsImmutable(root, new HashSet<string>(StringComparer.Ordinal));
        return new ValueAnalysis(new ValueGraphSpec(root, rootType, new EquatableArray<ValueTypeSpec>(types), immutable, fingerprint.ToString(), null), null);
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
    public static ITypeSymbol? SerializerArgument(AttributeData attribute) =>
        attribute.NamedArguments.FirstOrDefault(a => a.Key == SerializerProperty).Value.Value as ITypeSymbol;

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
                return head + named.Name + "<" + string.Join(", ", named.TypeArguments.Select(Canonical)) + ">";
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

        string[] identity = Identify(type);
        string canonical = identity[0];
        string id = identity[1];
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
            return Add(new ValueTypeSpec(id, canonical, ValueShapeKind.Scalar, type.IsReferenceType, scalar, null, null, null, EquatableArray<ValueMemberSpec>.Empty, EquatableArray<string>.Empty, false, false), canonical);
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
        string original = named.IsGenericType ? named.OriginalDefinition.ToDisplayString() : string.Empty;
        if (named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
        {
            _walking.Add(id);
            string? element = Visit(named.TypeArguments[0], path, nonNullable: true);
            _walking.Remove(id);
            return element is null ? null : Add(new ValueTypeSpec(id, canonical, ValueShapeKind.Nullable, false, null, element, null, null, EquatableArray<ValueMemberSpec>.Empty, EquatableArray<string>.Empty, false, false), canonical + "?" + element);
        }

        if (named.TypeKind == TypeKind.Enum)
        {
            string underlying = s_scalars[named.EnumUnderlyingType!.ToDisplayString()];
            string members = string.Join(",", named.GetMembers().OfType<IFieldSymbol>().Where(f => f.HasConstantValue).Select(f => f.Name + "=" + Convert.ToString(f.ConstantValue, System.Globalization.CultureInfo.InvariantCulture)));
            return Add(new ValueTypeSpec(id, canonical, ValueShapeKind.Enum, false, underlying, null, null, null, EquatableArray<ValueMemberSpec>.Empty, EquatableArray<string>.Empty, false, false), canonical + ":" + underlying + "(" + members + ")");
        }

        if (s_sequences.TryGetValue(original, out string? build))
        {
            return VisitCollection(id, canonical, ValueShapeKind.Collection, build, named.TypeArguments[0], null, path + "[]");
        }

        if (s_dictionaries.TryGetValue(original, out build))
        {
            return VisitCollection(id, canonical, ValueShapeKind.Dictionary, build, named.TypeArguments[1], named.TypeArguments[0], path + "[]");
        }

        if (named.AllInterfaces.Any(i => i.SpecialType == SpecialType.System_Collections_IEnumerable) || named.SpecialType == SpecialType.System_Collections_IEnumerable)
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
        return VisitObject(id, canonical, named.IsTupleType && named.TupleUnderlyingType is { } underlyingTuple ? underlyingTuple : named, path);
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
            canonical + ":" + kind + ":" + build + "(" + keyId + "," + elementId + ")");
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
            cases.AddRange(KnownDerivedTypes(named).Where(d => !SymbolEqualityComparer.Default.Equals(d, named)));
        }

        if (cases.Count == 0)
        {
            _walking.Remove(id);
            return Fail(path, "'" + TypeLabel(named) + "' is " + (named.TypeKind == TypeKind.Interface ? "an interface" : "abstract") + " with no known implementations: declare them with [JsonDerivedType] on it, or define them in this assembly");
        }

        var members = new List<ValueMemberSpec>();
        var print = new StringBuilder(canonical).Append(isSealedShape ? ":sealed{" : ":open{");
        bool hasBody = cases.Count > 0 && SymbolEqualityComparer.Default.Equals(cases[0], named);
        if (hasBody)
        {
            if (!TryMembers(named, path, members))
            {
                _walking.Remove(id);
                return null;
            }

            foreach (var m in members)
            {
                print.Append(m.Name).Append(':').Append(m.TypeId).Append(m.ConstructorIndex >= 0 ? "@" + m.ConstructorIndex.ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Empty).Append(';');
            }
        }

        print.Append('}');

        // the type itself must be in the graph before its derived types, whose members may refer back to it
        var caseIds = new List<string>();
        if (hasBody)
        {
            caseIds.Add(id);
        }

        var spec = new ValueTypeSpec(id, canonical, ValueShapeKind.Object, named.IsReferenceType, null, null, null, null, new EquatableArray<ValueMemberSpec>(members), EquatableArray<string>.Empty, hasBody, !isSealedShape);
        _types[id] = spec;
        foreach (var derived in cases.Skip(hasBody ? 1 : 0))
        {
            string derivedId = Identify(derived)[1];
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

        print.Append(" cases[").Append(string.Join(",", caseIds)).Append(']');
        _walking.Remove(id);
        _types[id] = spec with { Cases = new EquatableArray<string>(caseIds) };
        _fingerprints[id] = print.ToString();
        return id;
    }

    /// <summary>The members that rebuild <paramref name="type"/>, and the constructor that takes some of them.</summary>
    private bool TryMembers(INamedTypeSymbol type, string path, List<ValueMemberSpec> result)
    {
        var state = new List<(ISymbol Member, ITypeSymbol Type, bool Settable, bool Required)>();
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
                        state.Add((field, field.Type, !field.IsReadOnly, field.IsRequired));
                        break;
                    case IPropertySymbol { IsIndexer: false } property when property.GetMethod is { DeclaredAccessibility: Accessibility.Public }:
                        bool settable = property.SetMethod is { DeclaredAccessibility: Accessibility.Public };
                        if (!settable && property.SetMethod is null && IsComputed(property))
                        {
                            continue;
                        }

                        state.Add((property, property.Type, settable, property.IsRequired));
                        break;
                }
            }
        }

        if (HasReadOnlyState(chain))
        {
            _readOnlyState.Add(Identify(type)[1]);
        }

        // the constructor: the one whose parameters all name members and that leaves no unsettable member unfilled
        var constructors = type.InstanceConstructors
            .Where(c => (c.DeclaredAccessibility == Accessibility.Public || (c.DeclaredAccessibility == Accessibility.Internal && SymbolEqualityComparer.Default.Equals(c.ContainingAssembly, _assembly)))
                && c.Parameters.All(p => p.RefKind == RefKind.None && !p.IsParams)
                && !(c.Parameters.Length == 1 && SymbolEqualityComparer.Default.Equals(c.Parameters[0].Type, type)))
            .OrderByDescending(c => c.Parameters.Length)
            .ToList();
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
                var match = state.FirstOrDefault(s => string.Equals(s.Member.Name, p.Name, StringComparison.OrdinalIgnoreCase) && SymbolEqualityComparer.Default.Equals(s.Type, p.Type));
                if (match.Member is null || bound.ContainsKey(match.Member.Name))
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

            var unfilled = state.FirstOrDefault(s => !s.Settable && !bound.ContainsKey(s.Member.Name));
            if (unfilled.Member is not null)
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

        foreach (var (member, memberType, settable, required) in state)
        {
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
    private static bool HasReadOnlyState(List<INamedTypeSymbol> chain) =>
        chain.All(t => t.DeclaringSyntaxReferences.Length > 0 && t.GetMembers().All(m => m.IsStatic || m switch
        {
            IFieldSymbol f => f.IsReadOnly || f.IsConst,
            IPropertySymbol p => p.SetMethod is null || p.SetMethod.IsInitOnly,
            _ => true,
        }));

    /// <summary>A get-only property with a body: derived from other state, so not written.</summary>
    private static bool IsComputed(IPropertySymbol property)
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

    /// <summary>The known derived types of <paramref name="type"/>, as the walk finds them (for <see cref="ImmutabilityProof"/>).</summary>
    internal static List<INamedTypeSymbol> DerivedTypesOf(INamedTypeSymbol type, IAssemblySymbol assembly, CancellationToken ct) => new ValueWalker(assembly, ct).KnownDerivedTypes(type).ToList();

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

    private static string? UnsupportedReason(ITypeSymbol type)
    {
        if (type.IsRefLikeType || type.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer)
        {
            return "a ref struct or pointer cannot outlive the call";
        }

        if (type.TypeKind == TypeKind.Delegate)
        {
            return "a delegate is code, not data";
        }

        if (type.SpecialType == SpecialType.System_Object || type.TypeKind == TypeKind.Dynamic)
        {
            return "'object' says nothing about what it holds, so it cannot be read back as the same value";
        }

        if (type.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr)
        {
            return "a native-sized integer or handle means nothing in another process";
        }

        // names compared without formatting them: this runs for every type of every cached value
        if (type is not INamedTypeSymbol named)
        {
            return null;
        }

        var definition = named.OriginalDefinition;
        if (IsNamed(definition, "System.Linq.IQueryable`1") || IsNamed(definition, "System.Collections.Generic.IAsyncEnumerable`1"))
        {
            return "a query would cache the query, not its results; return a list or an array";
        }

        if (IsNamed(definition, "System.Threading.Tasks.Task") || IsNamed(definition, "System.Threading.Tasks.Task`1")
            || IsNamed(definition, "System.Threading.Tasks.ValueTask") || IsNamed(definition, "System.Threading.Tasks.ValueTask`1"))
        {
            return "a task is a computation in flight";
        }

        for (var t = named; t is not null; t = t.BaseType)
        {
            if (IsNamed(t, "System.IO.Stream"))
            {
                return "a stream is a handle, not data";
            }
        }

        return null;
    }

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

    private string Add(ValueTypeSpec spec, string fingerprint)
    {
        _types[spec.Id] = spec;
        _fingerprints[spec.Id] = fingerprint;
        return spec.Id;
    }

    private bool IsImmutable(string id, HashSet<string> visiting)
    {
        if (_immutable.TryGetValue(id, out bool known))
        {
            return known;
        }

        if (!visiting.Add(id))
        {
            return true;
        }

        var spec = _types[id];
        bool result = spec.Kind switch
        {
            ValueShapeKind.Scalar => spec.Scalar != "Bytes",
            ValueShapeKind.Enum => true,
            ValueShapeKind.Nullable => IsImmutable(spec.Element!, visiting),
            ValueShapeKind.Array => false,
            ValueShapeKind.Collection or ValueShapeKind.Dictionary => s_immutableBuilds.Contains(spec.Build!) && IsImmutable(spec.Element!, visiting) && (spec.Key is null || IsImmutable(spec.Key, visiting)),
            _ => spec.Cases.All(c => c == id ? ObjectIsImmutable(spec, visiting) : IsImmutable(c, visiting)),
        };
        visiting.Remove(id);
        _immutable[id] = result;
        return result;
    }

    private bool ObjectIsImmutable(ValueTypeSpec spec, HashSet<string> visiting) =>
        _readOnlyState.Contains(spec.Id) && spec.Members.All(m => IsImmutable(m.TypeId, visiting));

    private readonly HashSet<string> _readOnlyState = new(StringComparer.Ordinal);
}
