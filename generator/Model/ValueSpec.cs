namespace CacheGen.Generator.Model;

// These specs are the pipeline's cached values: they must stay immutable and structurally equal,
// and hold no ISymbol, SyntaxNode, Location or Compilation (those root compilations and never compare equal).

/// <summary>The value side of a cached method: the formatter graph of its value type, or a user formatter.</summary>
/// <param name="RootId">The <see cref="ValueTypeSpec.Id"/> of the value type; null with a <paramref name="CustomFormatter"/>.</param>
/// <param name="RootType">The value type, <c>global::</c>-qualified, as the descriptor's type argument.</param>
/// <param name="Types">Every type the walk reached, ordered by id.</param>
/// <param name="IsDeeplyImmutable">Whether no part of a value can change after construction.</param>
/// <param name="Fingerprint">A hash of everything in the walk that decides what a stored value means.</param>
/// <param name="CustomFormatter">The <c>Serializer =</c> formatter type, or null.</param>
internal sealed record ValueGraphSpec(string? RootId, string RootType, EquatableArray<ValueTypeSpec> Types, bool IsDeeplyImmutable, string Fingerprint, string? CustomFormatter);

/// <summary>How a type is written.</summary>
internal enum ValueShapeKind
{
    /// <summary>A BCL scalar with a fixed wire form; <see cref="ValueTypeSpec.Scalar"/> names it.</summary>
    Scalar,

    /// <summary>An enum, as its underlying integer (<see cref="ValueTypeSpec.Scalar"/> is the underlying type).</summary>
    Enum,

    /// <summary><c>Nullable&lt;T&gt;</c>: nil or the element.</summary>
    Nullable,

    /// <summary>A one-dimensional array: a MessagePack array.</summary>
    Array,

    /// <summary>A list or set (<see cref="ValueTypeSpec.Build"/> says which): a MessagePack array.</summary>
    Collection,

    /// <summary>A dictionary (<see cref="ValueTypeSpec.Build"/> says which): a MessagePack map.</summary>
    Dictionary,

    /// <summary>A class, struct, record or tuple: an array of its members in order, or a union of its known types.</summary>
    Object,
}

/// <summary>One type of a formatter graph.</summary>
/// <param name="Id">A C# identifier unique in the compilation, e.g. <c>Order_1a2b3c4d</c>.</param>
/// <param name="TypeName">The <c>global::</c>-qualified type, without nullable annotations.</param>
/// <param name="Kind">How it is written.</param>
/// <param name="IsReferenceType">Whether null is possible (written as nil).</param>
/// <param name="Scalar">Scalars: the wire form (<c>Int32</c>, <c>String</c>, <c>DateTimeOffset</c>…); enums: the underlying type keyword.</param>
/// <param name="Element">Element (arrays, collections, nullable) or dictionary value: a type id.</param>
/// <param name="Key">Dictionary key: a type id.</param>
/// <param name="Build">Collections and dictionaries: the concrete type built on read and how its size is read.</param>
/// <param name="Members">Objects: the members written, in wire order.</param>
/// <param name="Cases">Objects: the concrete types a value may have, in tag order (a union when there are several, or the type is abstract).</param>
/// <param name="HasBody">Objects: whether the type itself is concrete (it has members to write).</param>
/// <param name="CheckExactType">Objects: a class that is not sealed; any type outside <paramref name="Cases"/> is refused when written.</param>
internal sealed record ValueTypeSpec(
    string Id,
    string TypeName,
    ValueShapeKind Kind,
    bool IsReferenceType,
    string? Scalar,
    string? Element,
    string? Key,
    string? Build,
    EquatableArray<ValueMemberSpec> Members,
    EquatableArray<string> Cases,
    bool HasBody,
    bool CheckExactType);

/// <summary>A member of an object: read as <c>value.Name</c>; set through the constructor (<paramref name="ConstructorIndex"/> ≥ 0) or an initializer.</summary>
/// <param name="Name">The member name (an identifier, escaped when a keyword).</param>
/// <param name="TypeId">The member type's <see cref="ValueTypeSpec.Id"/>.</param>
/// <param name="ConstructorIndex">The constructor parameter it fills, or -1.</param>
/// <param name="InInitializer">Whether the object initializer sets it (settable members not filled by the constructor, and required ones).</param>
internal sealed record ValueMemberSpec(string Name, string TypeId, int ConstructorIndex, bool InInitializer);
