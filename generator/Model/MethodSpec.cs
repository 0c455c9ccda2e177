namespace CacheGen.Generator.Model;

// These specs are the pipeline's cached values: they must stay immutable and structurally equal,
// and hold no ISymbol, SyntaxNode, Location or Compilation (those root compilations and never compare equal).

/// <summary>Everything the emitter needs for one annotated method.</summary>
internal sealed record MethodSpec(
    string HintName,
    string MethodDisplay,
    string? Namespace,
    EquatableArray<ContainingTypeSpec> ContainingTypes,
    string Modifiers,
    string Name,
    string TypeParameters,
    EquatableArray<string> Constraints,
    string ReturnType,
    ReturnKind ReturnKind,
    string? ValueType,
    EquatableArray<ParameterSpec> Parameters,
    bool IsStatic,
    string ClientAccess,
    EquatableArray<string> KeyTypeArguments,
    MethodBody Body,
    CacheSpec? Cache,
    EquatableArray<InvalidationSpec> Invalidations);

/// <summary>What the emitted body does.</summary>
internal enum MethodBody
{
    /// <summary>Cache or invalidate, as the attributes say.</summary>
    Generated,

    /// <summary>Call Core uncached: the method breaks a rule and the analyzers say which.</summary>
    PassThrough,

    /// <summary>Throw: there is no matching Core to call (CGEN003).</summary>
    MissingCore,

    /// <summary>Throw: the method returns by reference, which no wrapper can do (CGEN006).</summary>
    Unsupported,
}

/// <summary>A containing type, outermost first: <c>Keyword</c> is e.g. <c>class</c> or <c>record struct</c>, <c>Name</c> holds type parameters.</summary>
internal sealed record ContainingTypeSpec(string Keyword, string Name);

/// <summary>How the method returns its value.</summary>
internal enum ReturnKind
{
    Sync,
    Task,
    ValueTask,
    Void,
    TaskVoid,
    ValueTaskVoid,
}

/// <summary>A parameter as declared (type <c>global::</c>-qualified, no default value: defaults stay on the declaration).</summary>
internal sealed record ParameterSpec(string Name, string Type, string RefKind, bool IsParams, bool IsThis, bool IsCancellationToken, KeyValueSpec? KeyValue);

/// <summary>The <c>[Cached]</c> part: descriptor values and the key and tag templates.</summary>
internal sealed record CacheSpec(
    string CacheNamespace,
    int TtlSeconds,
    string DescriptorName,
    string Identity,
    string? KeyTemplate,
    EquatableArray<string> TagTemplates,
    EquatableArray<KeySegmentSpec> Key,
    EquatableArray<EquatableArray<KeySegmentSpec>> Tags,
    string SchemaFingerprint,
    ValueGraphSpec? Value = null);

/// <summary>One <c>[InvalidatesCache]</c>.</summary>
internal sealed record InvalidationSpec(string? CacheNamespace, string? KeyTemplate, EquatableArray<string> TagTemplates, EquatableArray<KeySegmentSpec> Key, EquatableArray<EquatableArray<KeySegmentSpec>> Tags);

/// <summary>A line of the key catalogue: a cached method (<c>TtlSeconds</c> &gt; 0) or an invalidator.</summary>
internal sealed record CatalogEntrySpec(string Method, string? CacheNamespace, string? Identity, string? KeyTemplate, int TtlSeconds, EquatableArray<string> Tags);

/// <summary>
/// A key segment: a <c>Literal</c>, or a value read along <c>Path</c> (a parameter, then members, each an escaped
/// identifier). <c>NullChecks[i]</c> says whether <c>Path[0..i]</c> may be null before <c>Path[i + 1]</c> is read: a null
/// there is written as "null on the path at hop i", which differs from a null value at the path's end.
/// </summary>
internal sealed record KeySegmentSpec(string? Literal, EquatableArray<string> Path, EquatableArray<bool> NullChecks, KeyValueSpec? Value)
{
    public static KeySegmentSpec ForLiteral(string literal) => new(literal, EquatableArray<string>.Empty, EquatableArray<bool>.Empty, null);

    /// <summary>The path as C# (<c>filter.Vendor</c>), for reading and for messages.</summary>
    public string Expression => string.Join(".", Path);
}

/// <summary>How one value is written into a key.</summary>
internal enum KeyValueKind
{
    /// <summary>A row of the key-type table: a <c>CacheKeyBuilder.Add</c> overload takes it (string, numbers, Guid, dates, …).</summary>
    Direct,

    /// <summary>An enum: written by member name (<c>AddEnum</c>), so inserting a member never renames another's keys.</summary>
    Enum,

    /// <summary>An <c>IFormattable</c> outside the table: <c>AddFormattable</c> with the invariant culture (CGEN028).</summary>
    Formattable,

    /// <summary><c>Nullable&lt;T&gt;</c> of <see cref="KeyValueSpec.Element"/>.</summary>
    Nullable,

    /// <summary>An array or list of <see cref="KeyValueSpec.Element"/>; <see cref="KeyValueSpec.TypeName"/> is the count member.</summary>
    List,

    /// <summary>A record or struct written member by member.</summary>
    Group,
}

/// <summary>
/// A key value's shape, computed from its type by the parser. <c>Shape</c> names the type and how it is written
/// (enum members with their values included): it goes into the schema fingerprint. <c>TextForm</c> is equal for
/// types whose values are written alike (every integer type), for CGEN022.
/// </summary>
internal sealed record KeyValueSpec(KeyValueKind Kind, bool CanBeNull, string? TypeName, KeyValueSpec? Element, EquatableArray<KeyMemberSpec> Members, string Shape, string TextForm);

/// <summary>A member of a <see cref="KeyValueKind.Group"/>.</summary>
internal sealed record KeyMemberSpec(string Name, KeyValueSpec Value);
