using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using CacheGen.Analyzers;
using CacheGen.Generator.Model;
using Microsoft.CodeAnalysis;

namespace CacheGen.Generator;

public sealed partial class CacheGenGenerator
{
    internal static partial class Parser
    {
        private static readonly EquatableArray<KeyMemberSpec> s_noMembers = EquatableArray<KeyMemberSpec>.Empty;

        /// <summary>A parsed template: its segments (null when refused, with the problem reported) and its shape.</summary>
        private readonly record struct ParsedTemplate(EquatableArray<KeySegmentSpec>? Segments, KeyShapeSpec Shape);

        /// <summary>The default key: every parameter but tokens and <c>[NotCacheKey]</c> ones, in order.</summary>
        private static EquatableArray<KeySegmentSpec>? ParseDefaultKey(IMethodSymbol method, MethodSpec common, Problems problems, HashSet<string> keyParameters)
        {
            var segments = new List<KeySegmentSpec>();
            bool valid = true;
            for (int i = 0; i < method.Parameters.Length; i++)
            {
                var parameter = method.Parameters[i];
                if (IsCancellationToken(parameter.Type) || IsNotCacheKey(parameter) || ParameterProblem(parameter) is not null)
                {
                    continue;
                }

                keyParameters.Add(parameter.Name);
                var location = parameter.Locations[0];
                var value = KeyValueOf(parameter.Type, 0);
                if (value is null)
                {
                    problems.Add(DiagnosticDescriptors.UnsupportedKeyType, location, parameter.Name, parameter.Type.ToDisplayString(), method.Name);
                    valid = false;
                    continue;
                }

                CheckKeyPart(method, parameter.Name, parameter.Type, value, location, problems);
                CheckSecrets(method, parameter.Name, value, location, problems);
                segments.Add(new KeySegmentSpec(null, new EquatableArray<string>(new[] { common.Parameters[i].Name }), EquatableArray<bool>.Empty, value));
            }

            return valid ? new EquatableArray<KeySegmentSpec>(segments) : null;
        }

        /// <summary>
        /// Parses <c>seg:{param}:{param.Member}</c>; each placeholder fills a whole <c>:</c>-separated segment, so keys
        /// stay injective. Reports the template's first error, and each placeholder's key-part warnings.
        /// </summary>
        private static ParsedTemplate ParseTemplate(string template, IMethodSymbol method, Location location, string identity, Problems problems, HashSet<string> used, CancellationToken ct)
        {
            var segments = new List<KeySegmentSpec>();
            var pattern = new List<string>();
            var types = new List<string>();
            var forms = new List<string>();
            bool valid = true;
            foreach (var segment in CacheKeyRules.SplitTemplate(template))
            {
                ct.ThrowIfCancellationRequested();
                if (segment.Kind == TemplateSegmentKind.Literal)
                {
                    segments.Add(KeySegmentSpec.ForLiteral(segment.Text));
                    pattern.Add(segment.Text);
                    continue;
                }

                pattern.Add(segment.Kind == TemplateSegmentKind.Placeholder ? "{}" : segment.Text);
                if (segment.Kind == TemplateSegmentKind.Invalid)
                {
                    if (valid)
                    {
                        problems.Add(DiagnosticDescriptors.MalformedTemplate, location, template, segment.Text);
                    }

                    valid = false;
                    continue;
                }

                used.Add(segment.Text.Split('.')[0]);
                var resolved = ResolvePath(segment.Text, method, out var endType, out var error);
                types.Add(endType?.ToDisplayString() ?? string.Empty);
                forms.Add(resolved?.Value?.TextForm ?? string.Empty);
                if (resolved is null)
                {
                    if (valid)
                    {
                        if (error == TemplateError.UnknownPlaceholder)
                        {
                            problems.Add(DiagnosticDescriptors.UnknownPlaceholder, location, segment.Text, template, method.Name);
                        }
                        else
                        {
                            problems.Add(DiagnosticDescriptors.UnsupportedKeyType, location, segment.Text, endType?.ToDisplayString() ?? "?", method.Name);
                        }
                    }

                    valid = false;
                    continue;
                }

                segments.Add(resolved);
            }

            var shape = new KeyShapeSpec(template, string.Join(":", pattern), identity, new EquatableArray<string>(types), new EquatableArray<string>(forms));
            if (!valid)
            {
                return new ParsedTemplate(null, shape);
            }

            foreach (var segment in segments)
            {
                if (segment.Value is not null)
                {
                    var nameText = new System.Text.StringBuilder();
                    foreach (string part in segment.Path)
                    {
                        nameText.Append(nameText.Length == 0 ? string.Empty : ".").Append(part.TrimStart('@'));
                    }

                    string name = nameText.ToString();
                    var type = ResolvePathType(method, name);
                    if (type is not null)
                    {
                        CheckKeyPart(method, name, type, segment.Value, location, problems);
                    }

                    CheckSecrets(method, name, segment.Value, location, problems);
                }
            }

            return new ParsedTemplate(new EquatableArray<KeySegmentSpec>(segments), shape);
        }

        private enum TemplateError
        {
            UnknownPlaceholder,
            UnsupportedType,
        }

        /// <summary>Resolves <c>param.Member.Member</c> to a key segment; <paramref name="endType"/> is the last type reached.</summary>
        private static KeySegmentSpec? ResolvePath(string path, IMethodSymbol method, out ITypeSymbol? endType, out TemplateError error)
        {
            string[] parts = path.Split('.');
            endType = null;
            error = TemplateError.UnknownPlaceholder;
            var parameter = FindParameter(method, parts[0]);
            if (parameter is null || IsCancellationToken(parameter.Type))
            {
                return null;
            }

            ITypeSymbol type = parameter.Type;
            var names = new List<string>(parts.Length) { Identifier(parameter.Name) };
            var checks = new List<bool>(parts.Length);
            for (int i = 1; i < parts.Length; i++)
            {
                endType = type;
                if (IsNullableValueType(type))
                {
                    // x.Value.Member would throw on null: name the nullable's members through a record instead
                    error = TemplateError.UnsupportedType;
                    return null;
                }

                var member = FindInstanceMember(type, parts[i]);
                if (member is null)
                {
                    return null;
                }

                // every reference hop is tested: a null there is written as "null on the path", not as the end's null
                checks.Add(type.IsReferenceType);
                names.Add(Identifier(member.Name));
                type = member is IPropertySymbol prop ? prop.Type : ((IFieldSymbol)member).Type;
            }

            endType = type;
            var value = KeyValueOf(type, 0);
            if (value is null)
            {
                error = TemplateError.UnsupportedType;
                return null;
            }

            return new KeySegmentSpec(null, new EquatableArray<string>(names), new EquatableArray<bool>(checks), value);
        }

        /// <summary>The type a placeholder path (<c>param.Member.Member</c>) resolves to, or null.</summary>
        private static ITypeSymbol? ResolvePathType(IMethodSymbol method, string path)
        {
            string[] parts = path.Split('.');
            ITypeSymbol? type = FindParameter(method, parts[0])?.Type;
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

        /// <summary>
        /// The key shape of a type, or null when it has no sound, value-based, invariant text form. Order matters:
        /// table rows first, then enums (by name), nullables, ordered sequences, records and structs member by member
        /// (even when they implement <c>IFormattable</c>), and last any other <c>IFormattable</c> (CGEN028).
        /// </summary>
        internal static KeyValueSpec? KeyValueOf(ITypeSymbol type, int depth)
        {
            if (depth > 4 || type.TypeKind is TypeKind.TypeParameter or TypeKind.Error or TypeKind.Dynamic)
            {
                return null;
            }

            bool canBeNull = type.IsReferenceType;
            string display = type.ToDisplayString(s_typeFormat);
            if (KeyTypeRow(type) is { } row)
            {
                return new KeyValueSpec(KeyValueKind.Direct, false, null, null, s_noMembers, row.MetadataName, row.TextForm);
            }

            if (type is INamedTypeSymbol { TypeKind: TypeKind.Enum } enumType)
            {
                // written by name; the members and their values go into the fingerprint
                var membersText = new System.Text.StringBuilder();
                foreach (var member in enumType.GetMembers())
                {
                    if (member is IFieldSymbol { HasConstantValue: true } f)
                    {
                        membersText.Append(membersText.Length == 0 ? string.Empty : ",").Append(f.Name).Append('=').Append(Convert.ToString(f.ConstantValue, System.Globalization.CultureInfo.InvariantCulture));
                    }
                }

                string members = membersText.ToString();
                string shape = display + "{" + members + "}";
                return new KeyValueSpec(KeyValueKind.Enum, false, display.TrimEnd('?'), null, s_noMembers, shape, "enum " + display);
            }

            if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
            {
                var inner = KeyValueOf(nullable.TypeArguments[0], depth + 1);
                return inner is null ? null : new KeyValueSpec(KeyValueKind.Nullable, true, null, inner, s_noMembers, inner.Shape + "?", inner.TextForm);
            }

            if (type is IArrayTypeSymbol { IsSZArray: true } array)
            {
                var element = KeyValueOf(array.ElementType, depth + 1);
                return element is null ? null : new KeyValueSpec(KeyValueKind.List, true, "Length", element, s_noMembers, "list(" + element.Shape + ")", "list(" + element.TextForm + ")");
            }

            if (type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } generic && ListCountMember(generic) is { } count)
            {
                // ordered sequences only: a set's enumeration order is not a value, so equal sets could give different keys
                var element = KeyValueOf(generic.TypeArguments[0], depth + 1);
                return element is null ? null : new KeyValueSpec(KeyValueKind.List, canBeNull, count, element, s_noMembers, "list(" + element.Shape + ")", "list(" + element.TextForm + ")");
            }

            if (type is INamedTypeSymbol named && named.TypeKind != TypeKind.Interface && (named.IsRecord || named.TypeKind == TypeKind.Struct && IsUserOrTupleStruct(named)))
            {
                var members = new List<KeyMemberSpec>();
                foreach (var member in KeyMembers(named))
                {
                    var value = KeyValueOf(member.Type, depth + 1);
                    if (value is null)
                    {
                        return null;
                    }

                    members.Add(new KeyMemberSpec(Identifier(member.Name), value));
                }

                string shape = display + "(" + string.Join(",", members.Select(m => m.Name + ":" + m.Value.Shape)) + ")";
                return members.Count == 0 ? null : new KeyValueSpec(KeyValueKind.Group, canBeNull, null, null, new EquatableArray<KeyMemberSpec>(members), shape, shape);
            }

            if (type.AllInterfaces.Any(i => HasFullName(i, "System.IFormattable")))
            {
                return new KeyValueSpec(KeyValueKind.Formattable, canBeNull, display, null, s_noMembers, "formattable " + display, "formattable " + display);
            }

            return null;
        }

        /// <summary>The table row of a scalar key type, or null.</summary>
        private static KeyTypeRow? KeyTypeRow(ITypeSymbol type)
        {
            if (type.SpecialType != SpecialType.None)
            {
                return KeyTypes.Find(FullName(type));
            }

            return type is INamedTypeSymbol { IsGenericType: false, ContainingNamespace: { } ns } && ns.Name is "System" or "Numerics"
                ? KeyTypes.Find(FullName(type))
                : null;
        }

        /// <summary>Whether a struct is the user's own (or a tuple): framework structs outside the table are not taken member by member.</summary>
        private static bool IsUserOrTupleStruct(INamedTypeSymbol type)
        {
            if (type.IsTupleType || HasFullName(type.OriginalDefinition, "System.Collections.Generic.KeyValuePair`2"))
            {
                return true;
            }

            var root = type.ContainingNamespace;
            while (root is { ContainingNamespace.IsGlobalNamespace: false })
            {
                root = root.ContainingNamespace;
            }

            return root is null || root.IsGlobalNamespace || root.Name is not ("System" or "Microsoft");
        }

        /// <summary>The count member of an ordered sequence type the key can list, or null.</summary>
        private static string? ListCountMember(INamedTypeSymbol type)
        {
            var definition = type.OriginalDefinition;
            if (HasFullName(definition, "System.Collections.Immutable.ImmutableArray`1"))
            {
                return "Length";
            }

            return HasFullName(definition, "System.Collections.Generic.List`1") || HasFullName(definition, "System.Collections.Generic.IList`1")
                || HasFullName(definition, "System.Collections.Generic.IReadOnlyList`1") || HasFullName(definition, "System.Collections.Immutable.ImmutableList`1")
                ? "Count"
                : null;
        }

        /// <summary>The members a record or struct is keyed on: its public, readable, non-static properties and fields, inherited ones included.</summary>
        private static IEnumerable<(string Name, ITypeSymbol Type)> KeyMembers(ITypeSymbol type)
        {
            foreach (var member in InstanceMembers(type))
            {
                if (member.IsStatic || member.IsImplicitlyDeclared || member.DeclaredAccessibility != Accessibility.Public)
                {
                    continue;
                }

                switch (member)
                {
                    case IPropertySymbol { IsIndexer: false, GetMethod: not null } p:
                        yield return (p.Name, p.Type);
                        break;
                    case IFieldSymbol f:
                        yield return (f.Name, f.Type);
                        break;
                }
            }
        }

        /// <summary>CGEN015 (imprecise), CGEN018 (hashed when long) and CGEN028 (own formatting) for one key part.</summary>
        private static void CheckKeyPart(IMethodSymbol method, string name, ITypeSymbol type, KeyValueSpec value, Location location, Problems problems)
        {
            var end = IsNullableValueType(type) ? ((INamedTypeSymbol)type).TypeArguments[0] : type;
            if (KeyTypeRow(end) is { Imprecise: { } reason })
            {
                problems.Add(DiagnosticDescriptors.ImpreciseKeyType, location, name, type.ToDisplayString(), reason, method.Name);
            }

            if (KeyTypeRow(end) is { Unbounded: true } || value.Kind == KeyValueKind.List)
            {
                problems.Add(DiagnosticDescriptors.HashedKeyPart, location, name, value.Kind == KeyValueKind.List ? "collection" : "string", method.Name);
            }

            if (FindFormattable(value, name) is { } formattable)
            {
                problems.Add(DiagnosticDescriptors.FormattableKeyPart, location, formattable.Name, formattable.Value.TypeName!, method.Name);
            }
        }

        private static (string Name, KeyValueSpec Value)? FindFormattable(KeyValueSpec value, string name)
        {
            switch (value.Kind)
            {
                case KeyValueKind.Formattable:
                    return (name, value);
                case KeyValueKind.Nullable:
                    return FindFormattable(value.Element!, name);
                case KeyValueKind.List:
                    return FindFormattable(value.Element!, name + "[]");
                case KeyValueKind.Group:
                    foreach (var member in value.Members)
                    {
                        if (FindFormattable(member.Value, name + "." + member.Name.TrimStart('@')) is { } found)
                        {
                            return found;
                        }
                    }

                    return null;
                default:
                    return null;
            }
        }

        /// <summary>
        /// CGEN017: a secret-looking name on the path or among the members a record or struct is keyed on. A secret
        /// parameter is reported on the parameter; a secret member on the template (or the parameter of a default key).
        /// </summary>
        private static void CheckSecrets(IMethodSymbol method, string path, KeyValueSpec value, Location location, Problems problems)
        {
            string[] parts = path.Split('.');
            if (IsSecretName(parts[0]) && FindParameter(method, parts[0]) is { } parameter)
            {
                problems.Add(DiagnosticDescriptors.SecretInKey, parameter.Locations[0], parts[0], method.Name);
                return;
            }

            string? secret = parts.Skip(1).Any(IsSecretName) ? path : FindSecretMember(value, path);
            if (secret is not null)
            {
                problems.Add(DiagnosticDescriptors.SecretInKey, location, secret, method.Name);
            }
        }

        private static string? FindSecretMember(KeyValueSpec value, string path)
        {
            switch (value.Kind)
            {
                case KeyValueKind.Nullable:
                case KeyValueKind.List:
                    return FindSecretMember(value.Element!, path);
                case KeyValueKind.Group:
                    foreach (var member in value.Members)
                    {
                        string name = member.Name.TrimStart('@');
                        if (IsSecretName(name))
                        {
                            return path + "." + name;
                        }

                        if (FindSecretMember(member.Value, path + "." + name) is { } nested)
                        {
                            return nested;
                        }
                    }

                    return null;
                default:
                    return null;
            }
        }

        /// <summary>
        /// Whether a name suggests a secret that must not reach a Redis key. Compared word by word (camelCase, snake_case),
        /// so <c>shipping</c> is no pin and <c>continuationToken</c> (a paging cursor) is no token.
        /// </summary>
        internal static bool IsSecretName(string name)
        {
            // every secret word or pair below needs one of these in the lowered name: most names have none, and are
            // answered without splitting them into words
            if (!ContainsLowered(name, "passw") && !ContainsLowered(name, "pwd") && !ContainsLowered(name, "passphrase")
                && !ContainsLowered(name, "secret") && !ContainsLowered(name, "jwt") && !ContainsLowered(name, "pin")
                && !ContainsLowered(name, "credential") && !ContainsLowered(name, "key") && !ContainsLowered(name, "string")
                && !ContainsLowered(name, "token"))
            {
                return false;
            }

            var words = Words(name);
            for (int i = 0; i < words.Count; i++)
            {
                string w = words[i];
                string? next = i + 1 < words.Count ? words[i + 1] : null;
                if (w is "password" or "passwd" or "pwd" or "passphrase" or "secret" or "secrets" or "jwt" or "pin" or "credential" or "credentials" or "apikey")
                {
                    return true;
                }

                if ((w, next) is ("api", "key") or ("private", "key") or ("connection", "string") or ("conn", "string") or ("access", "key"))
                {
                    return true;
                }

                // a token is a secret unless it is a paging cursor or a cancellation token; "tokenCount" is not a token
                if (w == "token" && next is null)
                {
                    string? previous = i > 0 ? words[i - 1] : null;
                    return previous is not ("continuation" or "page" or "paging" or "next" or "cursor" or "cancellation" or "cancel" or "resume" or "sync");
                }
            }

            return false;
        }

        // whether name, lowered as Words lowers it, contains the lower-case word
        private static bool ContainsLowered(string name, string word)
        {
            for (int start = 0; start + word.Length <= name.Length; start++)
            {
                int i = 0;
                while (i < word.Length && char.ToLowerInvariant(name[start + i]) == word[i])
                {
                    i++;
                }

                if (i == word.Length)
                {
                    return true;
                }
            }

            return false;
        }

        private static List<string> Words(string name)
        {
            var words = new List<string>();
            var current = new StringBuilder();
            for (int i = 0; i < name.Length; i++)
            {
                char c = name[i];
                bool boundary = c == '_' || c == '-'
                    || char.IsUpper(c) && current.Length > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]) || i + 1 < name.Length && char.IsLower(name[i + 1]));
                if (boundary && current.Length > 0)
                {
                    words.Add(current.ToString());
                    current.Clear();
                }

                if (c is not '_' and not '-')
                {
                    current.Append(char.ToLowerInvariant(c));
                }
            }

            if (current.Length > 0)
            {
                words.Add(current.ToString());
            }

            return words;
        }

        /// <summary>
        /// CGEN027: a parameter keyed only through member paths (<c>{query.SiteId}</c>) leaves its other readable
        /// members out, so calls that differ only in them share one entry. Checked level by level along the paths.
        /// </summary>
        private static void CheckMemberCoverage(IMethodSymbol method, string template, Location location, Problems problems)
        {
            var paths = new List<string[]>();
            var roots = new List<string>();
            foreach (var segment in CacheKeyRules.SplitTemplate(template))
            {
                if (segment.Kind == TemplateSegmentKind.Placeholder)
                {
                    string[] path = segment.Text.Split('.');
                    paths.Add(path);
                    if (!roots.Contains(path[0]))
                    {
                        roots.Add(path[0]);
                    }
                }
            }

            var missing = new List<string>();
            foreach (var root in roots)
            {
                var type = FindParameter(method, root)?.Type;
                if (type is not null)
                {
                    CollectMissing(type, root, TailsUnder(paths, root), missing, 0);
                }
            }

            if (missing.Count > 0)
            {
                var names = new System.Text.StringBuilder();
                foreach (string m in missing)
                {
                    names.Append(names.Length == 0 ? "'" : ", '").Append(m).Append('\'');
                }

                problems.Add(DiagnosticDescriptors.MemberNotInKey, location, template, method.Name, names.ToString());
            }
        }

        private static void CollectMissing(ITypeSymbol type, string prefix, List<string[]> tails, List<string> missing, int depth)
        {
            // a whole value ({query}) is keyed member by member: nothing is left out below it
            if (depth > 4)
            {
                return;
            }

            var used = new HashSet<string>();
            foreach (string[] tail in tails)
            {
                if (tail.Length == 0)
                {
                    return;
                }

                used.Add(tail[0]);
            }

            foreach (var (name, memberType) in KeyMembers(type))
            {
                if (used.Contains(name))
                {
                    CollectMissing(memberType, prefix + "." + name, TailsUnder(tails, name), missing, depth + 1);
                }
                else
                {
                    missing.Add(prefix + "." + name);
                }
            }
        }

        /// <summary>
        /// The type identity a key carries: the type parameters in scope (containing types outermost first, then the
        /// method's), each written by the generated code as <c>typeof(T).FullName</c>. Cached and invalidating keys match
        /// only when their identities are equal, so one rule decides both sides (and CGEN021 compares it).
        /// </summary>
        private static string TypeIdentity(IMethodSymbol method)
        {
            var parts = new List<string>();
            for (var type = method.ContainingType; type is not null; type = type.ContainingType)
            {
                for (int i = type.TypeParameters.Length - 1; i >= 0; i--)
                {
                    parts.Insert(0, type.OriginalDefinition.ToDisplayString() + "!" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            for (int i = 0; i < method.TypeParameters.Length; i++)
            {
                parts.Add("M!" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            return string.Join(",", parts);
        }

        /// <summary>The paths that start with <paramref name="head"/>, without it.</summary>
        private static List<string[]> TailsUnder(List<string[]> paths, string head)
        {
            var tails = new List<string[]>();
            foreach (string[] path in paths)
            {
                if (path[0] == head)
                {
                    string[] tail = new string[path.Length - 1];
                    Array.Copy(path, 1, tail, 0, tail.Length);
                    tails.Add(tail);
                }
            }

            return tails;
        }

        /// <summary>What the key means, for the fingerprint: literals, each value's type and how it is written, the type identity.</summary>
        private static string KeyShape(string identity, EquatableArray<KeySegmentSpec> key)
        {
            var shape = new System.Text.StringBuilder(identity).Append('|');
            for (int i = 0; i < key.Count; i++)
            {
                var s = key[i];
                shape.Append(i == 0 ? string.Empty : ":");
                if (s.Literal is not null)
                {
                    shape.Append(s.Literal);
                }
                else
                {
                    shape.Append(s.Expression).Append('=').Append(s.Value!.Shape);
                }
            }

            return shape.ToString();
        }
    }
}
