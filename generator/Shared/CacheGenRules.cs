using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using CacheGen.Generator.Helpers;
using CacheGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CacheGen.Generator;

/// <summary>Why a key or tag template was refused.</summary>
internal enum TemplateError
{
    None,

    /// <summary>A segment is neither a literal of <c>[A-Za-z0-9_.-]</c> nor a whole <c>{placeholder}</c>.</summary>
    Malformed,

    /// <summary>A placeholder names no parameter (or a <c>CancellationToken</c>) or no public member.</summary>
    UnknownPlaceholder,

    /// <summary>A placeholder's type has no sound key form.</summary>
    UnsupportedType,
}

/// <summary>
/// The validity rules of cached and invalidating methods. Compiled into the generator and the analyzers
/// (linked), so what the generator refuses is exactly what the analyzers report.
/// </summary>
internal static class CacheGenRules
{
    /// <summary>
    /// Parses <c>seg:{param}:{param.Member}</c>; each placeholder must fill a whole <c>:</c>-separated segment, so
    /// keys stay injective. On failure, <paramref name="error"/> says why and <paramref name="subject"/> names the segment.
    /// </summary>
    internal static bool TryParseTemplate(string template, IMethodSymbol method, out EquatableArray<KeySegmentSpec> segments, out TemplateError error, out string subject)
    {
        segments = EquatableArray<KeySegmentSpec>.Empty;
        var result = new List<KeySegmentSpec>();
        foreach (var segment in CacheKeyRules.SplitTemplate(template))
        {
            subject = segment.Text;
            if (segment.Kind == TemplateSegmentKind.Invalid)
            {
                error = TemplateError.Malformed;
                return false;
            }

            if (segment.Kind == TemplateSegmentKind.Literal)
            {
                result.Add(new KeySegmentSpec(segment.Text, null, null));
                continue;
            }

            var value = ResolvePath(segment.Text, method, out error);
            if (value is null)
            {
                return false;
            }

            result.Add(value);
        }

        segments = new EquatableArray<KeySegmentSpec>(result);
        error = TemplateError.None;
        subject = string.Empty;
        return true;
    }

    internal static KeySegmentSpec? ResolvePath(string path, IMethodSymbol method, out TemplateError error)
    {
        string[] parts = path.Split('.');
        var parameter = method.Parameters.FirstOrDefault(p => p.Name == parts[0]);
        error = TemplateError.UnknownPlaceholder;
        if (parameter is null || IsCancellationToken(parameter.Type))
        {
            return null;
        }

        ITypeSymbol type = parameter.Type;
        var expression = new StringBuilder(Identifier(parameter.Name));
        bool maybeNull = false;
        for (int i = 1; i < parts.Length; i++)
        {
            if (type.IsValueType && type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
            {
                // x.Value.Member would throw on null: name the nullable's members through a record instead
                error = TemplateError.UnsupportedType;
                return null;
            }

            // '?.' only where null is declared possible: after it, flow analysis would think a non-null parameter may be null
            bool referenceHop = type.IsReferenceType && type.NullableAnnotation != NullableAnnotation.NotAnnotated;
            ISymbol? member = FindInstanceMember(type, parts[i]);
            if (member is null)
            {
                return null;
            }

            expression.Append(referenceHop ? "?." : ".").Append(Identifier(member.Name));
            maybeNull |= referenceHop;
            type = member is IPropertySymbol prop ? prop.Type : ((IFieldSymbol)member).Type;
        }

        var value = KeyValueOf(type, 0);
        if (value is null)
        {
            error = TemplateError.UnsupportedType;
            return null;
        }

        error = TemplateError.None;
        if (maybeNull && type.IsValueType && value.Kind != KeyValueKind.Nullable)
        {
            value = new KeyValueSpec(KeyValueKind.Nullable, true, null, value, EquatableArray<KeyMemberSpec>.Empty);
        }
        else if (maybeNull && !value.CanBeNull)
        {
            value = value with { CanBeNull = true };
        }

        return new KeySegmentSpec(null, expression.ToString(), value);
    }

    /// <summary>The key shape of a type, or null when it has no sound, value-based, invariant text form.</summary>
    internal static KeyValueSpec? KeyValueOf(ITypeSymbol type, int depth)
    {
        if (depth > 4)
        {
            return null;
        }

        var none = EquatableArray<KeyMemberSpec>.Empty;
        bool canBeNull = type.IsReferenceType;
        switch (type.SpecialType)
        {
            case SpecialType.System_String:
                return new KeyValueSpec(KeyValueKind.Direct, false, null, null, none);
            case SpecialType.System_Boolean:
            case SpecialType.System_Char:
            case SpecialType.System_SByte:
            case SpecialType.System_Byte:
            case SpecialType.System_Int16:
            case SpecialType.System_UInt16:
            case SpecialType.System_Int32:
            case SpecialType.System_UInt32:
            case SpecialType.System_Int64:
            case SpecialType.System_UInt64:
            case SpecialType.System_Single:
            case SpecialType.System_Double:
            case SpecialType.System_Decimal:
            case SpecialType.System_DateTime:
                return new KeyValueSpec(KeyValueKind.Direct, false, null, null, none);
        }

        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            var inner = KeyValueOf(nullable.TypeArguments[0], depth + 1);
            return inner is null ? null : new KeyValueSpec(KeyValueKind.Nullable, true, null, inner, none);
        }

        string name = type.ToDisplayString();
        if (name is "System.Guid" or "System.DateTimeOffset" or "System.DateOnly" or "System.TimeOnly" or "System.TimeSpan" or "System.Int128" or "System.UInt128")
        {
            return new KeyValueSpec(KeyValueKind.Direct, false, null, null, none);
        }

        if (type is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying })
        {
            return new KeyValueSpec(KeyValueKind.Enum, false, underlying.ToDisplayString(), null, none);
        }

        if (type is IArrayTypeSymbol { IsSZArray: true } array)
        {
            var element = KeyValueOf(array.ElementType, depth + 1);
            return element is null ? null : new KeyValueSpec(KeyValueKind.List, true, "Length", element, none);
        }

        if (type is INamedTypeSymbol { IsGenericType: true } generic && generic.TypeArguments.Length == 1
            && generic.OriginalDefinition.ToDisplayString() is "System.Collections.Generic.List<T>" or "System.Collections.Generic.IList<T>" or "System.Collections.Generic.IReadOnlyList<T>" or "System.Collections.Immutable.ImmutableArray<T>" or "System.Collections.Immutable.ImmutableList<T>")
        {
            // ordered sequences only: a set's enumeration order is not a value, so equal sets could give different keys
            var element = KeyValueOf(generic.TypeArguments[0], depth + 1);
            string count = generic.OriginalDefinition.ToDisplayString() == "System.Collections.Immutable.ImmutableArray<T>" ? "Length" : "Count";
            return element is null ? null : new KeyValueSpec(KeyValueKind.List, canBeNull, count, element, none);
        }

        if (type.AllInterfaces.Any(i => i.ToDisplayString() == "System.IFormattable") && type.TypeKind != TypeKind.TypeParameter)
        {
            return new KeyValueSpec(KeyValueKind.Formattable, canBeNull, null, null, none);
        }

        if (type is INamedTypeSymbol named && (named.IsRecord || named.TypeKind == TypeKind.Struct) && named.TypeKind != TypeKind.Interface)
        {
            var members = new List<KeyMemberSpec>();
            foreach (var member in InstanceMembers(named))
            {
                if (member.IsStatic || member.IsImplicitlyDeclared || member.DeclaredAccessibility != Accessibility.Public)
                {
                    continue;
                }

                ITypeSymbol? memberType = member switch
                {
                    IPropertySymbol { IsIndexer: false, GetMethod: not null } p => p.Type,
                    IFieldSymbol f => f.Type,
                    _ => null,
                };
                if (memberType is null)
                {
                    continue;
                }

                var value = KeyValueOf(memberType, depth + 1);
                if (value is null)
                {
                    return null;
                }

                members.Add(new KeyMemberSpec(Identifier(member.Name), value));
            }

            return members.Count == 0 ? null : new KeyValueSpec(KeyValueKind.Group, canBeNull, null, null, new EquatableArray<KeyMemberSpec>(members));
        }

        return null;
    }

    internal static IMethodSymbol? FindCore(IMethodSymbol method)
    {
        foreach (var core in method.ContainingType.GetMembers(method.Name + KnownNames.CoreSuffix).OfType<IMethodSymbol>())
        {
            if (core.IsStatic != method.IsStatic || core.TypeParameters.Length != method.TypeParameters.Length || core.Parameters.Length != method.Parameters.Length)
            {
                continue;
            }

            // compare with the method's own type parameters substituted, so Core<U> matches M<T>
            var constructed = core.TypeParameters.Length == 0 ? core : core.Construct(method.TypeParameters.Cast<ITypeSymbol>().ToArray());
            bool matches = SymbolEqualityComparer.Default.Equals(constructed.ReturnType, method.ReturnType);
            for (int i = 0; matches && i < core.Parameters.Length; i++)
            {
                matches = core.Parameters[i].RefKind == method.Parameters[i].RefKind && SymbolEqualityComparer.Default.Equals(constructed.Parameters[i].Type, method.Parameters[i].Type);
            }

            if (matches)
            {
                return core;
            }
        }

        return null;
    }

    /// <summary>
    /// The one <c>ICacheClient</c> field or property (else primary-constructor parameter) of the type, as an
    /// expression; null with <paramref name="count"/> 0 (none) or more than 1 (ambiguous).
    /// </summary>
    internal static string? FindClient(INamedTypeSymbol type, bool forStatic, out int count)
    {
        var members = type.GetMembers()
            .Where(m => m is IFieldSymbol { IsImplicitlyDeclared: false } or IPropertySymbol { IsIndexer: false })
            .Where(m => IsCacheClient(m is IFieldSymbol f ? f.Type : ((IPropertySymbol)m).Type))
            .Where(m => !forStatic || m.IsStatic)
            .ToList();
        count = members.Count;
        if (members.Count == 1)
        {
            return members[0].IsStatic ? Identifier(members[0].Name) : "this." + Identifier(members[0].Name);
        }

        if (members.Count > 1 || forStatic)
        {
            return null;
        }

        // fields win over a primary-constructor parameter, so a parameter copied into a field is not captured twice
        var primary = type.InstanceConstructors.FirstOrDefault(c => c.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is TypeDeclarationSyntax));
        var parameters = primary?.Parameters.Where(p => IsCacheClient(p.Type)).ToList();
        count = parameters?.Count ?? 0;
        return parameters is { Count: 1 } ? Identifier(parameters[0].Name) : null;
    }

    internal static bool IsCacheClient(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat.WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.None)) == KnownNames.CacheClientInterface;

    internal static bool IsCancellationToken(ITypeSymbol type) => type.ToDisplayString() == "System.Threading.CancellationToken";

    internal static ReturnKind ClassifyReturn(ITypeSymbol type, out ITypeSymbol? valueType)
    {
        valueType = null;
        if (type.SpecialType == SpecialType.System_Void)
        {
            return ReturnKind.Void;
        }

        string name = type.OriginalDefinition.ToDisplayString();
        switch (name)
        {
            case "System.Threading.Tasks.Task":
                return ReturnKind.TaskVoid;
            case "System.Threading.Tasks.ValueTask":
                return ReturnKind.ValueTaskVoid;
            case "System.Threading.Tasks.Task<TResult>":
                valueType = ((INamedTypeSymbol)type).TypeArguments[0];
                return ReturnKind.Task;
            case "System.Threading.Tasks.ValueTask<TResult>":
                valueType = ((INamedTypeSymbol)type).TypeArguments[0];
                return ReturnKind.ValueTask;
        }

        valueType = type;
        return ReturnKind.Sync;
    }

    /// <summary>
    /// The method itself when it is the partial definition the user declared for CacheGen to implement; null for
    /// an implementation part, for any other method, and when the user wrote the body.
    /// </summary>
    internal static IMethodSymbol? UserDefinition(IMethodSymbol method)
    {
        // both parts of a partial method are visited: act on the definition only
        var definition = method;
        if (!definition.IsPartialDefinition)
        {
            return null;
        }

        return definition.PartialImplementationPart is { } implementation && !IsGeneratedByCacheGen(implementation) ? null : definition;
    }

    internal static bool IsGeneratedByCacheGen(IMethodSymbol implementation) =>
        implementation.DeclaringSyntaxReferences.All(r => r.SyntaxTree.FilePath.Replace('\\', '/').Contains("CacheGen.Generator/"));

    internal static bool IsPartial(INamedTypeSymbol type, CancellationToken ct) =>
        type.DeclaringSyntaxReferences.Length > 0 && type.DeclaringSyntaxReferences.All(r =>
            r.GetSyntax(ct) is TypeDeclarationSyntax d && d.Modifiers.Any(SyntaxKind.PartialKeyword));

    internal static string Identifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    /// <summary>Why a parameter cannot pass through a wrapper, or null.</summary>
    internal static string? ParameterProblem(IParameterSymbol p) =>
        p.RefKind switch
        {
            RefKind.Ref => "'ref' parameters cannot be cached",
            RefKind.Out => "'out' parameters cannot be cached",
            RefKind.In => "'in' parameters cannot be cached",
            RefKind.None when p.Type.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer => "pointers have no value to key on",
            RefKind.None when p.Type.IsRefLikeType => "ref structs cannot be captured by the wrapper",
            RefKind.None => null,
            _ => "by-reference parameters cannot be cached",
        };

    /// <summary>Why a key part's type is imprecise, or null.</summary>
    internal static string? ImpreciseReason(ITypeSymbol type)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            type = nullable.TypeArguments[0];
        }

        return type.SpecialType switch
        {
            SpecialType.System_Single or SpecialType.System_Double => "floating-point: results of arithmetic that print alike can differ in the last bit, so near-equal inputs miss",
            SpecialType.System_DateTime => "a DateTime: its Kind is ignored, so a local and a UTC time with the same digits share one key; prefer DateTimeOffset or DateOnly",
            _ => null,
        };
    }

    /// <summary>Whether a parameter name suggests a secret that must not reach a Redis key.</summary>
    internal static bool IsSecretName(string name)
    {
        string n = name.ToLowerInvariant().Replace("_", string.Empty);
        return n.Contains("password") || n.Contains("passwd") || n.Contains("secret") || n.Contains("apikey") || n.Contains("credential")
            || n == "token" || n.EndsWith("token", StringComparison.Ordinal) && !n.EndsWith("canceltoken", StringComparison.Ordinal) && !n.EndsWith("cancellationtoken", StringComparison.Ordinal);
    }

    /// <summary>Whether a key part's type is unbounded (strings and collections), so long values are hashed.</summary>
    internal static string? UnboundedKind(KeyValueSpec value, ITypeSymbol type) =>
        type.SpecialType == SpecialType.System_String ? "string" : value.Kind == KeyValueKind.List ? "collection" : null;

    /// <summary>
    /// The public instance properties and fields of a type, its base types' included (most derived first, each
    /// name once): a key or fingerprint that skipped inherited members would let values that differ only there share an entry.
    /// </summary>
    internal static IEnumerable<ISymbol> InstanceMembers(ITypeSymbol type)
    {
        var seen = new HashSet<string>();
        for (var t = type; t is not null && t.SpecialType != SpecialType.System_Object && t.SpecialType != SpecialType.System_ValueType; t = t.BaseType)
        {
            foreach (var member in t.GetMembers())
            {
                if (member is IPropertySymbol or IFieldSymbol && seen.Add(member.Name))
                {
                    yield return member;
                }
            }
        }
    }

    /// <summary>A public, readable instance property or field of the type or a base type, by name.</summary>
    internal static ISymbol? FindInstanceMember(ITypeSymbol type, string name) =>
        InstanceMembers(type).FirstOrDefault(m => m.Name == name && !m.IsStatic && m.DeclaredAccessibility == Accessibility.Public
            && m is IPropertySymbol { IsIndexer: false, GetMethod: not null } or IFieldSymbol);

    /// <summary>The type a placeholder path (<c>param.Member.Member</c>) resolves to, or null.</summary>
    internal static ITypeSymbol? PathType(IMethodSymbol method, string path)
    {
        string[] parts = path.Split('.');
        ITypeSymbol? type = method.Parameters.FirstOrDefault(p => p.Name == parts[0])?.Type;
        for (int i = 1; i < parts.Length && type is not null; i++)
        {
            type = FindInstanceMember(type, parts[i]) switch
            {
                IPropertySymbol p => p.Type,
                IFieldSymbol f => f.Type,
                _ => null,
            };
        }

        return type;
    }

    /// <summary>A string named argument of an attribute (<c>Key = "…"</c>), or null.</summary>
    internal static string? NamedString(AttributeData attribute, string name) =>
        attribute.NamedArguments.FirstOrDefault(a => a.Key == name).Value.Value as string;

    /// <summary>The strings of an array named argument (<c>Tags = [...]</c>); empty when absent.</summary>
    internal static IReadOnlyList<string> NamedStrings(AttributeData attribute, string name)
    {
        var value = attribute.NamedArguments.FirstOrDefault(a => a.Key == name).Value;
        return value.Kind == TypedConstantKind.Array && !value.IsNull
            ? value.Values.Select(v => v.Value as string).Where(s => s is not null).Select(s => s!).ToList()
            : Array.Empty<string>();
    }
}
