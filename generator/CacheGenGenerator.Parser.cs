using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using CacheGen.Generator.Helpers;
using CacheGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static CacheGen.Generator.CacheGenRules;

namespace CacheGen.Generator;

public sealed partial class CacheGenGenerator
{
    /// <summary>Turns an annotated method into a <see cref="MethodSpec"/>; the only code that touches symbols.</summary>
    internal static class Parser
    {
        private static readonly SymbolDisplayFormat s_typeFormat = SymbolDisplayFormat.FullyQualifiedFormat
            .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

        private static readonly SymbolDisplayFormat s_signatureFormat = SymbolDisplayFormat.FullyQualifiedFormat
            .WithMemberOptions(SymbolDisplayMemberOptions.IncludeParameters | SymbolDisplayMemberOptions.IncludeContainingType | SymbolDisplayMemberOptions.IncludeType)
            .WithParameterOptions(SymbolDisplayParameterOptions.IncludeType | SymbolDisplayParameterOptions.IncludeParamsRefOut);

        public static MethodSpec? ParseCached(GeneratorAttributeSyntaxContext context, CancellationToken ct)
        {
            if (context.TargetSymbol is not IMethodSymbol method || context.Attributes.Length == 0)
            {
                return null;
            }

            var common = ParseCommon(method, context.TargetNode, ct);
            if (common is null)
            {
                return null;
            }

            // the value's type walk: a formatter graph, or a problem the analyzers report (CGEN025, CGEN030)
            Values.ValueAnalysis? value = null;
            if (common.Body == MethodBody.Generated && ClassifyReturn(method.ReturnType, out var valueType) is not (ReturnKind.Void or ReturnKind.TaskVoid or ReturnKind.ValueTaskVoid) && valueType is not null)
            {
                value = Values.ValueWalker.Analyze(valueType, Values.ValueWalker.SerializerArgument(context.Attributes[0]), context.SemanticModel.Compilation, ct);
            }

            CacheSpec? cache = value?.Graph is not { } graph
                ? null
                : ParseCache(method, context.Attributes[0], common, graph, ct);

            // an invalid key leaves Cache null: the method still gets a body that calls Core uncached,
            // so the build shows the analyzer's diagnostic instead of a bare CS8795
            return common with { Cache = cache };
        }

        public static MethodSpec? ParseInvalidating(GeneratorAttributeSyntaxContext context, CancellationToken ct)
        {
            if (context.TargetSymbol is not IMethodSymbol method
                || method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == KnownNames.CachedAttribute))
            {
                // [Cached] and [InvalidatesCache] together: the [Cached] pipeline emits the body
                return null;
            }

            var common = ParseCommon(method, context.TargetNode, ct);
            if (common is null || common.Body != MethodBody.Generated)
            {
                return common;
            }

            // each attribute on its own: one the analyzers reject must not take the method's other invalidations with it
            var invalidations = new List<InvalidationSpec>();
            foreach (var attribute in context.Attributes)
            {
                ct.ThrowIfCancellationRequested();
                string? ns = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;
                if (!CacheKeyRules.IsValidNamespace(ns))
                {
                    ns = null;
                }

                string? keyTemplate = ns is null ? null : NamedString(attribute, "Key");
                EquatableArray<KeySegmentSpec> key = EquatableArray<KeySegmentSpec>.Empty;
                if (keyTemplate is not null && !TryParseTemplate(keyTemplate, method, out key, out _, out _))
                {
                    // fail safe: an unusable key template drops its whole namespace rather than nothing (CGEN012-014)
                    keyTemplate = null;
                    key = EquatableArray<KeySegmentSpec>.Empty;
                }

                var tags = new List<string>();
                var tagSpecs = new List<EquatableArray<KeySegmentSpec>>();
                foreach (string tag in NamedStrings(attribute, "Tags"))
                {
                    if (TryParseTemplate(tag, method, out var tagSpec, out _, out _))
                    {
                        tags.Add(tag);
                        tagSpecs.Add(tagSpec);
                    }
                }

                if (ns is not null || tagSpecs.Count > 0)
                {
                    invalidations.Add(new InvalidationSpec(ns, keyTemplate, new EquatableArray<string>(tags), key, new EquatableArray<EquatableArray<KeySegmentSpec>>(tagSpecs)));
                }
            }

            return common with { Invalidations = new EquatableArray<InvalidationSpec>(invalidations) };
        }

        /// <summary>
        /// CGEN001/CGEN002, reported by the generator: when a method or its type is not partial, the user's code
        /// does not compile, and a command-line build with compiler errors shows no analyzer diagnostics.
        /// </summary>
        public static Diagnostic? ShapeDiagnostic(GeneratorAttributeSyntaxContext context, bool skipIfCached, CancellationToken ct)
        {
            if (context.TargetSymbol is not IMethodSymbol method || context.TargetNode is not MethodDeclarationSyntax syntax
                || (skipIfCached && method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == KnownNames.CachedAttribute)))
            {
                return null;
            }

            var location = syntax.Identifier.GetLocation();
            bool isDefinitionOnly = method.IsPartialDefinition && method.PartialImplementationPart is null;
            if (!isDefinitionOnly)
            {
                return Diagnostic.Create(Analyzers.DiagnosticDescriptors.MethodNotPartial, location, method.Name);
            }

            for (var type = method.ContainingType; type is not null; type = type.ContainingType)
            {
                if (!IsPartial(type, ct))
                {
                    return Diagnostic.Create(Analyzers.DiagnosticDescriptors.TypeNotPartial, location, type.Name, method.Name);
                }
            }

            return null;
        }

        private static MethodSpec? ParseCommon(IMethodSymbol method, SyntaxNode node, CancellationToken ct)
        {
            if (!method.IsPartialDefinition || method.PartialImplementationPart is not null || node is not MethodDeclarationSyntax syntax)
            {
                return null;
            }

            var containing = new List<ContainingTypeSpec>();
            for (var type = method.ContainingType; type is not null; type = type.ContainingType)
            {
                if (!IsPartial(type, ct))
                {
                    return null;
                }

                containing.Insert(0, new ContainingTypeSpec(TypeKeyword(type), TypeNameWithParameters(type)));
            }

            if (method.IsAsync)
            {
                return null;
            }

            var returnKind = ClassifyReturn(method.ReturnType, out var valueType);

            // a method that breaks a rule still gets a body that compiles, so the build shows the analyzer's
            // diagnostic; a command-line build with a compiler error (CS8795) would show no analyzer output at all
            var body = MethodBody.Generated;
            var parameters = new List<ParameterSpec>();
            foreach (var p in method.Parameters)
            {
                if (ParameterProblem(p) is not null)
                {
                    body = MethodBody.PassThrough;
                }

                bool isToken = IsCancellationToken(p.Type);
                bool notKey = p.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == KnownNames.NotCacheKeyAttribute);
                string refKind = p.RefKind switch
                {
                    RefKind.Ref => "ref ",
                    RefKind.Out => "out ",
                    RefKind.In => "in ",
                    _ => string.Empty,
                };
                parameters.Add(new ParameterSpec(Identifier(p.Name), p.Type.ToDisplayString(s_typeFormat), refKind, p.IsParams, p.IsThis, isToken, isToken || notKey || refKind.Length > 0 ? null : KeyValueOf(p.Type, 0)));
            }

            string? client = FindClient(method.ContainingType, method.IsStatic, out _);
            if (client is null)
            {
                body = MethodBody.PassThrough;
            }

            if (FindCore(method) is null)
            {
                body = MethodBody.MissingCore;
            }

            if (method.ReturnsByRef || method.ReturnsByRefReadonly)
            {
                body = MethodBody.Unsupported;
            }

            var typeArguments = new List<string>();
            for (var type = method.ContainingType; type is not null; type = type.ContainingType)
            {
                typeArguments.InsertRange(0, type.TypeParameters.Select(t => Identifier(t.Name)));
            }

            typeArguments.AddRange(method.TypeParameters.Select(t => Identifier(t.Name)));

            string ns = method.ContainingNamespace.IsGlobalNamespace ? string.Empty : method.ContainingNamespace.ToDisplayString();
            string hint = (ns.Length == 0 ? string.Empty : ns + ".")
                + string.Join(".", containing.Select(c => SanitizeHint(c.Name))) + "." + method.Name
                + (method.ContainingType.GetMembers(method.Name).Length > 1 ? "." + SignatureHash(method) : string.Empty)
                + ".g.cs";

            return new MethodSpec(
                hint,
                method.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat),
                ns.Length == 0 ? null : ns,
                new EquatableArray<ContainingTypeSpec>(containing),
                string.Join(" ", syntax.Modifiers.Where(m => !m.IsKind(SyntaxKind.PartialKeyword) && !m.IsKind(SyntaxKind.AsyncKeyword)).Select(m => m.Text)),
                Identifier(method.Name),
                method.TypeParameters.Length == 0 ? string.Empty : "<" + string.Join(", ", method.TypeParameters.Select(t => Identifier(t.Name))) + ">",
                new EquatableArray<string>(method.TypeParameters.Select(Constraint).Where(c => c is not null).Select(c => c!)),
                (method.ReturnsByRefReadonly ? "ref readonly " : method.ReturnsByRef ? "ref " : string.Empty) + method.ReturnType.ToDisplayString(s_typeFormat),
                returnKind,
                valueType?.ToDisplayString(s_typeFormat),
                new EquatableArray<ParameterSpec>(parameters),
                method.IsStatic,
                client ?? string.Empty,
                new EquatableArray<string>(typeArguments),
                body,
                null,
                EquatableArray<InvalidationSpec>.Empty);
        }

        private static CacheSpec? ParseCache(IMethodSymbol method, AttributeData attribute, MethodSpec common, ValueGraphSpec value, CancellationToken ct)
        {
            if (attribute.ConstructorArguments.Length != 2
                || attribute.ConstructorArguments[0].Value is not string ns
                || !CacheKeyRules.IsValidNamespace(ns)
                || attribute.ConstructorArguments[1].Value is not int ttl
                || ttl <= 0)
            {
                return null;
            }

            string? keyTemplate = NamedString(attribute, "Key");
            string? version = NamedString(attribute, "Version");
            EquatableArray<KeySegmentSpec> key;
            string identity;
            if (keyTemplate is null)
            {
                var segments = new List<KeySegmentSpec>();
                foreach (var p in common.Parameters)
                {
                    if (p.IsCancellationToken || !HasKeyValue(p, method))
                    {
                        continue;
                    }

                    if (p.KeyValue is null)
                    {
                        return null;
                    }

                    segments.Add(new KeySegmentSpec(null, p.Name, p.KeyValue));
                }

                key = new EquatableArray<KeySegmentSpec>(segments);
                identity = string.Join(".", common.ContainingTypes.Select(c => SanitizeHint(c.Name))) + "." + method.Name + "~" + SignatureHash(method);
            }
            else
            {
                if (!TryParseTemplate(keyTemplate, method, out key, out _, out _))
                {
                    return null;
                }

                identity = keyTemplate;
            }

            var tags = new List<EquatableArray<KeySegmentSpec>>();
            foreach (string tag in NamedStrings(attribute, "Tags"))
            {
                ct.ThrowIfCancellationRequested();
                if (!TryParseTemplate(tag, method, out var tagSpec, out _, out _))
                {
                    return null;
                }

                tags.Add(tagSpec);
            }

            string descriptor = "__cacheGen_" + method.Name + (method.ContainingType.GetMembers(method.Name).Length > 1 ? "_" + SignatureHash(method) : string.Empty);
            // the value's type walk and the key's parameter types: a deploy that changes either reads as a miss
            string fingerprint = Hash(value.Fingerprint + "|key:" + KeyShape(method) + "|" + version, 8);
            return new CacheSpec(ns, ttl, descriptor, identity, keyTemplate, new EquatableArray<string>(NamedStrings(attribute, "Tags")), key, new EquatableArray<EquatableArray<KeySegmentSpec>>(tags), fingerprint, value);
        }

        private static bool HasKeyValue(ParameterSpec p, IMethodSymbol method) =>
            !method.Parameters.First(x => Identifier(x.Name) == p.Name).GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == KnownNames.NotCacheKeyAttribute);

        /// <summary>The key's parameter types, enums with their members and values (an inserted member changes what an integer part means).</summary>
        private static string KeyShape(IMethodSymbol method) =>
            string.Join(",", method.Parameters.Select(p => p.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)
                + (p.Type is INamedTypeSymbol { TypeKind: TypeKind.Enum } e
                    ? "(" + string.Join(",", e.GetMembers().OfType<IFieldSymbol>().Where(f => f.HasConstantValue).Select(f => f.Name + "=" + Convert.ToString(f.ConstantValue, System.Globalization.CultureInfo.InvariantCulture))) + ")"
                    : string.Empty)));

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

        private static string SanitizeHint(string name) => new string(name.Select(c => char.IsLetterOrDigit(c) || c == '_' ? c : '_').ToArray()).TrimEnd('_');

        private static string SignatureHash(IMethodSymbol method) => Hash(method.ToDisplayString(s_signatureFormat) + " => " + method.ReturnType.ToDisplayString(s_typeFormat), 4);

        internal static string Hash(string text, int bytes)
        {
            using var sha = SHA256.Create();
            byte[] digest = sha.ComputeHash(Encoding.UTF8.GetBytes(text));
            var sb = new StringBuilder(bytes * 2);
            for (int i = 0; i < bytes; i++)
            {
                sb.Append(digest[i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            }

            return sb.ToString();
        }
    }
}
