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

/// <summary>A key segment: a literal, or a value read by <c>Expression</c> (a parameter or a member path).</summary>
internal sealed record KeySegmentSpec(string? Literal, string? Expression, KeyValueSpec? Value);

/// <summary>How one value is written into a key.</summary>
internal enum KeyValueKind
{
    /// <summary>A <c>CacheKeyBuilder.Add</c> overload takes it (string, primitives, Guid, dates, …).</summary>
    Direct,

    /// <summary>An enum: written as its underlying integer (<see cref="KeyValueSpec.TypeName"/>).</summary>
    Enum,

    /// <summary>A deliberate <c>IFormattable</c>: <c>AddFormattable</c> with the invariant culture.</summary>
    Formattable,

    /// <summary><c>Nullable&lt;T&gt;</c> of <see cref="KeyValueSpec.Element"/>.</summary>
    Nullable,

    /// <summary>An array or list of <see cref="KeyValueSpec.Element"/>; <see cref="KeyValueSpec.TypeName"/> is the count member.</summary>
    List,

    /// <summary>A record or struct written member by member.</summary>
    Group,
}

/// <summary>A key value's shape, computed from its type by the parser.</summary>
internal sealed record KeyValueSpec(KeyValueKind Kind, bool CanBeNull, string? TypeName, KeyValueSpec? Element, EquatableArray<KeyMemberSpec> Members);

/// <summary>A member of a <see cref="KeyValueKind.Group"/>.</summary>
internal sealed record KeyMemberSpec(string Name, KeyValueSpec Value);
