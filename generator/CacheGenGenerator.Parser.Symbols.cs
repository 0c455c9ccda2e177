using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using CacheGen.Generator.Helpers;
using CacheGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CacheGen.Generator;

public sealed partial class CacheGenGenerator
{
    internal static partial class Parser
    {
        /// <summary>Whether a type or namespace symbol has the full metadata name (<c>System.Collections.Generic.List`1</c>), without allocating.</summary>
        internal static bool HasFullName(ISymbol symbol, string fullName)
        {
            int end = fullName.Length;
            ISymbol? current = symbol;
            while (current is not null && !(current is INamespaceSymbol { IsGlobalNamespace: true }))
            {
                // a generic type's MetadataName (List`1) is a new string per read: its Name must end the segment first
                // (a metadata name is the name, or the name and an arity suffix), so most mismatches allocate nothing
                string simple = current.Name;
                int segment = end;
                while (segment > 0 && fullName[segment - 1] is not ('.' or '+'))
                {
                    segment--;
                }

                if (end - segment < simple.Length || string.CompareOrdinal(fullName, segment, simple, 0, simple.Length) != 0
                    || (end - segment > simple.Length && fullName[segment + simple.Length] != '`'))
                {
                    return false;
                }

                string name = current.MetadataName;
                int start = end - name.Length;
                if (start < 0 || string.CompareOrdinal(fullName, start, name, 0, name.Length) != 0)
                {
                    return false;
                }

                current = current.ContainingSymbol;
                if (current is INamespaceSymbol { IsGlobalNamespace: true } || current is null)
                {
                    return start == 0;
                }

                if (start == 0 || fullName[start - 1] != (current is INamespaceSymbol ? '.' : '+'))
                {
                    return false;
                }

                end = start - 1;
            }

            return false;
        }

        /// <summary>The full metadata name of a type (<c>System.Int32</c>).</summary>
        private static string FullName(ITypeSymbol type) =>
            type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "." + type.MetadataName : type.MetadataName;

        private static bool IsNullableValueType(ITypeSymbol type) => type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T;

        internal static IMethodSymbol? FindCore(IMethodSymbol method)
        {
            foreach (var member in method.ContainingType.GetMembers(method.Name + KnownNames.CoreSuffix))
            {
                if (member is not IMethodSymbol core || core.IsStatic != method.IsStatic || core.TypeParameters.Length != method.TypeParameters.Length || core.Parameters.Length != method.Parameters.Length)
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
            // once per type and kind: every annotated method of a service asks the same question (10 per service in the
            // build-cost project), and the answer reads all of the type's members. Held weakly by the type symbol, so
            // nothing outlives the compilation; a racing second computation gives the same answer
            var slots = s_clients.GetValue(type, static _ => new ClientLookup?[2]);
            int slot = forStatic ? 1 : 0;
            var found = Volatile.Read(ref slots[slot]);
            if (found is null)
            {
                string? client = FindClientUncached(type, forStatic, out int clients);
                found = new ClientLookup(client, clients);
                Volatile.Write(ref slots[slot], found);
            }

            count = found.Count;
            return found.Client;
        }

        private sealed class ClientLookup(string? client, int count)
        {
            public string? Client { get; } = client;

            public int Count { get; } = count;
        }

        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<INamedTypeSymbol, ClientLookup?[]> s_clients = new();

        private static string? FindClientUncached(INamedTypeSymbol type, bool forStatic, out int count)
        {
            var members = new List<ISymbol>();
            foreach (var m in type.GetMembers())
            {
                if (m is IFieldSymbol { IsImplicitlyDeclared: false } or IPropertySymbol { IsIndexer: false }
                    && IsCacheClient(m is IFieldSymbol f ? f.Type : ((IPropertySymbol)m).Type)
                    && (!forStatic || m.IsStatic))
                {
                    members.Add(m);
                }
            }

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
            IMethodSymbol? primary = null;
            foreach (var c in type.InstanceConstructors)
            {
                foreach (var r in c.DeclaringSyntaxReferences)
                {
                    if (r.GetSyntax() is TypeDeclarationSyntax)
                    {
                        primary = c;
                        break;
                    }
                }

                if (primary is not null)
                {
                    break;
                }
            }

            count = 0;
            IParameterSymbol? single = null;
            if (primary is not null)
            {
                foreach (var p in primary.Parameters)
                {
                    if (IsCacheClient(p.Type))
                    {
                        count++;
                        single = p;
                    }
                }
            }

            return count == 1 ? Identifier(single!.Name) : null;
        }

        private static bool IsCacheClient(ITypeSymbol type) => type.TypeKind == TypeKind.Interface && HasFullName(type, KnownNames.CacheClientInterface);

        internal static bool IsCancellationToken(ITypeSymbol type) => type.TypeKind == TypeKind.Struct && HasFullName(type, "System.Threading.CancellationToken");

        internal static ReturnKind ClassifyReturn(ITypeSymbol type, out ITypeSymbol? valueType)
        {
            valueType = null;
            if (type.SpecialType == SpecialType.System_Void)
            {
                return ReturnKind.Void;
            }

            var definition = type.OriginalDefinition;
            if (HasFullName(definition, "System.Threading.Tasks.Task"))
            {
                return ReturnKind.TaskVoid;
            }

            if (HasFullName(definition, "System.Threading.Tasks.ValueTask"))
            {
                return ReturnKind.ValueTaskVoid;
            }

            if (HasFullName(definition, "System.Threading.Tasks.Task`1"))
            {
                valueType = ((INamedTypeSymbol)type).TypeArguments[0];
                return ReturnKind.Task;
            }

            if (HasFullName(definition, "System.Threading.Tasks.ValueTask`1"))
            {
                valueType = ((INamedTypeSymbol)type).TypeArguments[0];
                return ReturnKind.ValueTask;
            }

            valueType = type;
            return ReturnKind.Sync;
        }

        /// <summary>Whether an implementation part is the one CacheGen generated (the analyzers see the generated code).</summary>
        internal static bool IsGeneratedByCacheGen(IMethodSymbol implementation) =>
            implementation.DeclaringSyntaxReferences.All(r => r.SyntaxTree.FilePath.Replace('\\', '/').Contains("CacheGen.Generator/"));

        // once per type: every annotated method of a service asks (held weakly by the type symbol, as s_clients)
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<INamedTypeSymbol, object> s_partial = new();
        private static readonly object s_isPartial = true;
        private static readonly object s_isNotPartial = false;

        private static bool IsPartial(INamedTypeSymbol type, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            return s_partial.GetValue(type, static t => IsPartialUncached(t) ? s_isPartial : s_isNotPartial) == s_isPartial;
        }

        // the declarations' syntax is already parsed: reading it is not worth a cancellation check
        private static bool IsPartialUncached(INamedTypeSymbol type)
        {
            var references = type.DeclaringSyntaxReferences;
            if (references.Length == 0)
            {
                return false;
            }

            foreach (var reference in references)
            {
                if (reference.GetSyntax() is not TypeDeclarationSyntax declaration || !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    return false;
                }
            }

            return true;
        }

        internal static string Identifier(string name) =>
            SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

        /// <summary>Why a parameter cannot pass through a wrapper, or null.</summary>
        private static string? ParameterProblem(IParameterSymbol p) =>
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

        /// <summary>
        /// The public instance properties and fields of a type, its base types' included (most derived first, each
        /// name once): a key or fingerprint that skipped inherited members would let values that differ only there share an entry.
        /// </summary>
        private static IEnumerable<ISymbol> InstanceMembers(ITypeSymbol type)
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
        private static ISymbol? FindInstanceMember(ITypeSymbol type, string name) =>
            InstanceMembers(type).FirstOrDefault(m => m.Name == name && !m.IsStatic && m.DeclaredAccessibility == Accessibility.Public
                && m is IPropertySymbol { IsIndexer: false, GetMethod: not null } or IFieldSymbol);

        /// <summary>A string named argument of an attribute (<c>Key = "…"</c>), or null.</summary>
        private static string? NamedString(AttributeData attribute, string name)
        {
            foreach (var argument in attribute.NamedArguments)
            {
                if (argument.Key == name)
                {
                    return argument.Value.Value as string;
                }
            }

            return null;
        }

        /// <summary>The strings of an array named argument (<c>Tags = [...]</c>); empty when absent.</summary>
        private static IReadOnlyList<string> NamedStrings(AttributeData attribute, string name)
        {
            foreach (var argument in attribute.NamedArguments)
            {
                if (argument.Key == name && argument.Value.Kind == TypedConstantKind.Array && !argument.Value.IsNull)
                {
                    var strings = new List<string>(argument.Value.Values.Length);
                    foreach (var v in argument.Value.Values)
                    {
                        if (v.Value is string s)
                        {
                            strings.Add(s);
                        }
                    }

                    return strings;
                }
            }

            return Array.Empty<string>();
        }

        private static string TypeKeyword(INamedTypeSymbol type) => type switch
        {
            { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
            { IsRecord: true } => "record",
            { TypeKind: TypeKind.Struct, IsRefLikeType: true } => "ref struct",
            { TypeKind: TypeKind.Struct } => "struct",
            { TypeKind: TypeKind.Interface } => "interface",
            _ => "class",
        };

        private static string TypeNameWithParameters(INamedTypeSymbol type) =>
            Identifier(type.Name) + (type.TypeParameters.Length == 0 ? string.Empty : "<" + string.Join(", ", type.TypeParameters.Select(t => Identifier(t.Name))) + ">");

        private static string? Constraint(ITypeParameterSymbol t)
        {
            var parts = new List<string>();
            if (t.HasReferenceTypeConstraint)
            {
                parts.Add(t.ReferenceTypeConstraintNullableAnnotation == NullableAnnotation.Annotated ? "class?" : "class");
            }
            else if (t.HasUnmanagedTypeConstraint)
            {
                parts.Add("unmanaged");
            }
            else if (t.HasValueTypeConstraint)
            {
                parts.Add("struct");
            }
            else if (t.HasNotNullConstraint)
            {
                parts.Add("notnull");
            }

            parts.AddRange(t.ConstraintTypes.Select(c => c.ToDisplayString(s_typeFormat)));
            if (t.HasConstructorConstraint)
            {
                parts.Add("new()");
            }

            return parts.Count == 0 ? null : "where " + Identifier(t.Name) + " : " + string.Join(", ", parts);
        }

        private static string SanitizeHint(string name)
        {
            char[] chars = name.ToCharArray();
            for (int i = 0; i < chars.Length; i++)
            {
                if (!char.IsLetterOrDigit(chars[i]))
                {
                    chars[i] = '_';
                }
            }

            return new string(chars).TrimEnd('_');
        }

        /// <summary>The method's parameter of that name, or null (a loop: LINQ here JIT-compiles a lambda per call site).</summary>
        private static IParameterSymbol? FindParameter(IMethodSymbol method, string name)
        {
            foreach (var p in method.Parameters)
            {
                if (p.Name == name)
                {
                    return p;
                }
            }

            return null;
        }

        private static string SignatureHash(IMethodSymbol method) => Hash(method.ToDisplayString(s_signatureFormat) + " => " + method.ReturnType.ToDisplayString(s_typeFormat), 4);

        [System.ThreadStatic]
        private static SHA256? t_sha;

        /// <summary>The first <paramref name="bytes"/> bytes of the SHA-256 of <paramref name="text"/>, as lower-case hex.</summary>
        internal static string Hash(string text, int bytes)
        {
            // one hash object per thread: creating one per call (a native context each time) was a visible part of
            // the build cost, and this runs for every method and every value type
            var sha = t_sha ??= SHA256.Create();
            byte[] digest = sha.ComputeHash(Encoding.UTF8.GetBytes(text));
            char[] hex = new char[bytes * 2];
            for (int i = 0; i < bytes; i++)
            {
                hex[2 * i] = HexDigit(digest[i] >> 4);
                hex[(2 * i) + 1] = HexDigit(digest[i] & 0xF);
            }

            return new string(hex);
        }

        private static char HexDigit(int value) => (char)(value < 10 ? '0' + value : 'a' + value - 10);
    }
}
