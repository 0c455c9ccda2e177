using System.Collections.Generic;
using System.Linq;
using System.Threading;
using CacheGen.Analyzers;
using CacheGen.Generator.Helpers;
using CacheGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CacheGen.Generator;

public sealed partial class CacheGenGenerator
{
    /// <summary>
    /// The one analysis of an annotated method: its <see cref="MethodSpec"/> (what to emit) and its problems (what is
    /// wrong, as data). The generator emits from the spec and reports CGEN001/CGEN002; the analyzers report the rest
    /// of the same list. The only code that touches symbols.
    /// </summary>
    internal static partial class Parser
    {
        private const int ThirtyDays = 30 * 24 * 3600;

        private static readonly SymbolDisplayFormat s_typeFormat = SymbolDisplayFormat.FullyQualifiedFormat
            .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

        private static readonly SymbolDisplayFormat s_signatureFormat = SymbolDisplayFormat.FullyQualifiedFormat
            .WithMemberOptions(SymbolDisplayMemberOptions.IncludeParameters | SymbolDisplayMemberOptions.IncludeContainingType | SymbolDisplayMemberOptions.IncludeType)
            .WithParameterOptions(SymbolDisplayParameterOptions.IncludeType | SymbolDisplayParameterOptions.IncludeParamsRefOut);

        /// <summary>The generator's transform for <c>[Cached]</c>.</summary>
        public static MethodAnalysis AnalyzeCached(GeneratorAttributeSyntaxContext context, CancellationToken ct) =>
            context.TargetSymbol is IMethodSymbol method && context.Attributes.Length > 0
                ? AnalyzeCached(method, context.Attributes[0], context.SemanticModel.Compilation, ct)
                : MethodAnalysis.None;

        /// <summary>The generator's transform for <c>[InvalidatesCache]</c> (all of a method's attributes together).</summary>
        public static MethodAnalysis AnalyzeInvalidating(GeneratorAttributeSyntaxContext context, CancellationToken ct) =>
            context.TargetSymbol is IMethodSymbol method && !HasAttribute(method, KnownNames.CachedAttribute)
                ? AnalyzeInvalidating(method, context.Attributes, ct)
                : MethodAnalysis.None;

        /// <summary>
        /// Analyzes a <c>[Cached]</c> method (one that also invalidates gets CGEN008 here). With
        /// <paramref name="problemsOnly"/> (the analyzers) the problems and uses are the same, but nothing only the
        /// emitter needs is computed (display strings, hint names, hashes, the fingerprint, the formatter graph): the
        /// spec is incomplete and must not be emitted.
        /// </summary>
        public static MethodAnalysis AnalyzeCached(IMethodSymbol method, AttributeData attribute, Compilation compilation, CancellationToken ct, bool problemsOnly = false)
        {
            var problems = new Problems();
            var common = ParseCommon(method, isCached: true, problems, ct, problemsOnly);
            if (common is null)
            {
                return problems.Result(null, null);
            }

            if (HasAttribute(method, KnownNames.InvalidatesCacheAttribute))
            {
                problems.Add(DiagnosticDescriptors.CachedAndInvalidates, method.Locations[0], method.Name);
            }

            // the value's type walk: a formatter graph, or CGEN025 naming the member (CGEN030 for an unusable Serializer)
            ValueGraphSpec? value = null;
            if (common.ReturnKind is not (ReturnKind.Void or ReturnKind.TaskVoid or ReturnKind.ValueTaskVoid) && !method.ReturnsByRef && !method.ReturnsByRefReadonly
                && ClassifyReturn(method.ReturnType, out var valueType) is var _ && valueType is not null)
            {
                var serializer = Values.ValueWalker.SerializerArgument(attribute);
                var analysis = Values.ValueWalker.Analyze(valueType, serializer, method.ContainingAssembly, ct, problemsOnly);
                if (analysis.Problem is { } problem)
                {
                    if (serializer is not null)
                    {
                        problems.Add(DiagnosticDescriptors.UnusableSerializer, method.Locations[0], serializer.ToDisplayString(), method.Name, problem);
                    }
                    else
                    {
                        problems.Add(DiagnosticDescriptors.ValueNotCacheable, method.Locations[0], method.Name, valueType.ToDisplayString(), problem);
                    }
                }

                value = analysis.Graph;
                if (value is not null && !problems.Has(DiagnosticIds.ValueNotCacheable) && !problems.Has(DiagnosticIds.UnusableSerializer))
                {
                    // L1 shares one instance only when this proof holds (CGEN040 says why not, and what would make it so)
                    string? mutable = serializer is not null
                        ? "it is written by the Serializer '" + serializer.ToDisplayString() + "', which CacheGen cannot see into"
                        : Values.ImmutabilityProof.Explain(valueType, method.ContainingAssembly, ct)
                            ?? (value.IsDeeplyImmutable ? null : "a type the value walk reached is not immutable");
                    value = value with { IsDeeplyImmutable = mutable is null };
                    if (mutable is not null)
                    {
                        problems.Add(DiagnosticDescriptors.ValueNotImmutable, method.Locations[0], method.Name, valueType.ToDisplayString(), mutable);
                    }
                }
            }

            var cache = ParseCache(method, attribute, common, value, problems, out var use, ct, problemsOnly);
            bool cacheable = common.Body == MethodBody.Generated
                && common.ReturnKind is not (ReturnKind.Void or ReturnKind.TaskVoid or ReturnKind.ValueTaskVoid)
                && value is not null
                && !problems.Has(DiagnosticIds.ValueNotCacheable)
                && !problems.Has(DiagnosticIds.UnusableSerializer);

            // a method whose key or value is refused still gets a body that calls Core uncached, so the build shows
            // the analyzer's diagnostic instead of a bare CS8795
            return problems.Result(common with { Cache = cacheable ? cache : null }, use);
        }

        /// <summary>Analyzes an <c>[InvalidatesCache]</c> method; each attribute stands on its own.</summary>
        public static MethodAnalysis AnalyzeInvalidating(IMethodSymbol method, IReadOnlyList<AttributeData> attributes, CancellationToken ct, bool problemsOnly = false)
        {
            var problems = new Problems();
            var common = ParseCommon(method, isCached: false, problems, ct, problemsOnly);
            if (common is null)
            {
                return problems.Result(null, null);
            }

            var invalidations = new List<InvalidationSpec>();
            var uses = new List<CacheUseSpec>();
            string identity = TypeIdentity(method);
            foreach (var attribute in attributes)
            {
                ct.ThrowIfCancellationRequested();
                var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(ct) as AttributeSyntax;
                var attributeLocation = syntax?.GetLocation() ?? method.Locations[0];
                bool hasNamespace = attribute.ConstructorArguments.Length == 1;
                string? ns = hasNamespace ? attribute.ConstructorArguments[0].Value as string : null;
                if (hasNamespace && !CacheKeyRules.IsValidNamespace(ns))
                {
                    problems.Add(DiagnosticDescriptors.InvalidNamespace, ArgumentLocation(syntax, 0, method), ns ?? "null");
                    ns = null;
                }

                string? keyTemplate = NamedString(attribute, "Key");
                var tagTemplates = NamedStrings(attribute, "Tags");
                if (!hasNamespace && keyTemplate is not null)
                {
                    problems.Add(DiagnosticDescriptors.InvalidationWithoutTarget, attributeLocation, method.Name, "has a Key but no namespace to look it up in; write [InvalidatesCache(\"ns\", Key = ...)]");
                }
                else if (!hasNamespace && tagTemplates.Count == 0)
                {
                    problems.Add(DiagnosticDescriptors.InvalidationWithoutTarget, attributeLocation, method.Name, "names neither a namespace nor tags");
                }

                var used = new HashSet<string>();
                KeyShapeSpec? keyShape = null;
                var key = EquatableArray<KeySegmentSpec>.Empty;
                if (keyTemplate is not null)
                {
                    var parsed = ParseTemplate(keyTemplate, method, NamedLocation(syntax, "Key", method), identity, problems, used, ct);
                    keyShape = parsed.Shape;
                    if (parsed.Segments is { } segments && ns is not null)
                    {
                        key = segments;
                    }
                    else
                    {
                        // fail safe: an unusable key template drops its whole namespace rather than nothing (CGEN012-014)
                        keyTemplate = null;
                    }
                }

                var tags = new List<string>();
                var tagSpecs = new List<EquatableArray<KeySegmentSpec>>();
                var tagShapes = new List<KeyShapeSpec>();
                foreach (string tag in tagTemplates)
                {
                    var parsed = ParseTemplate(tag, method, NamedLocation(syntax, "Tags", method), string.Empty, problems, used, ct);
                    tagShapes.Add(parsed.Shape);
                    if (parsed.Segments is { } tagSpec)
                    {
                        tags.Add(tag);
                        tagSpecs.Add(tagSpec);
                    }
                }

                uses.Add(new CacheUseSpec(false, method.Name, method.ToDisplayString(), hasNamespace ? attribute.ConstructorArguments[0].Value as string : null, 0, keyShape, new EquatableArray<KeyShapeSpec>(tagShapes), LocationInfo.From(attributeLocation)));
                if (ns is not null || tagSpecs.Count > 0)
                {
                    invalidations.Add(new InvalidationSpec(ns, ns is null ? null : keyTemplate, new EquatableArray<string>(tags), ns is null ? EquatableArray<KeySegmentSpec>.Empty : key, new EquatableArray<EquatableArray<KeySegmentSpec>>(tagSpecs)));
                }
            }

            var spec = common.Body == MethodBody.Generated ? common with { Invalidations = new EquatableArray<InvalidationSpec>(invalidations) } : common;
            return new MethodAnalysis(spec, problems.ToArray(), new EquatableArray<CacheUseSpec>(uses));
        }

        /// <summary>The method's shape: partial, Core, client, parameters, return. Null (with CGEN001/002) when nothing can be emitted.</summary>
        private static MethodSpec? ParseCommon(IMethodSymbol method, bool isCached, Problems problems, CancellationToken ct, bool problemsOnly)
        {
            var location = method.Locations[0];
            if (!method.IsPartialDefinition || method.PartialImplementationPart is { } implementation && !IsGeneratedByCacheGen(implementation)
                || method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(ct) is not MethodDeclarationSyntax syntax)
            {
                problems.Add(DiagnosticDescriptors.MethodNotPartial, location, method.Name);
                return null;
            }

            var containing = new List<ContainingTypeSpec>();
            for (var type = method.ContainingType; type is not null; type = type.ContainingType)
            {
                if (!IsPartial(type, ct))
                {
                    problems.Add(DiagnosticDescriptors.TypeNotPartial, location, type.Name, method.Name);
                    return null;
                }

                // problems only (the analyzers): the containing types' declarations are only emitted, never checked
                if (!problemsOnly)
                {
                    containing.Insert(0, new ContainingTypeSpec(TypeKeyword(type), TypeNameWithParameters(type)));
                }
            }

            if (syntax.Modifiers.Any(SyntaxKind.AsyncKeyword))
            {
                // 'async' on a declaration without a body is a compiler error already. The declaration's own modifiers
                // are read: newer compilers report IsAsync for a definition whose generated implementation is async
                return null;
            }

            // a method that breaks a rule still gets a body that compiles, so the build shows the analyzer's
            // diagnostic; a command-line build with a compiler error (CS8795) would show no analyzer output at all
            var body = MethodBody.Generated;
            var parameters = new List<ParameterSpec>();
            foreach (var p in method.Parameters)
            {
                if (ParameterProblem(p) is { } problem)
                {
                    problems.Add(DiagnosticDescriptors.UnsupportedParameter, p.Locations[0], p.Name, method.Name, problem);
                    body = MethodBody.PassThrough;
                }

                bool isToken = IsCancellationToken(p.Type);
                string refKind = p.RefKind switch
                {
                    RefKind.Ref => "ref ",
                    RefKind.Out => "out ",
                    RefKind.In => "in ",
                    _ => string.Empty,
                };
                parameters.Add(new ParameterSpec(Identifier(p.Name), problemsOnly ? string.Empty : p.Type.ToDisplayString(s_typeFormat), refKind, p.IsParams, p.IsThis, isToken, null));
            }

            string? client = FindClient(method.ContainingType, method.IsStatic, out int clients);
            if (client is null)
            {
                problems.Add(clients == 0
                    ? Problems.Create(DiagnosticDescriptors.NoCacheClient, location, method.ContainingType.Name, method.IsStatic ? "static " : string.Empty, method.Name)
                    : Problems.Create(DiagnosticDescriptors.AmbiguousCacheClient, location, method.ContainingType.Name, clients, method.Name));
                body = MethodBody.PassThrough;
            }

            if (FindCore(method) is null)
            {
                problems.Add(DiagnosticDescriptors.MissingCore, location, method.Name, method.Name + KnownNames.CoreSuffix);
                body = MethodBody.MissingCore;
            }

            var returnKind = ClassifyReturn(method.ReturnType, out var valueType);
            string verb = isCached ? "cached" : "wrapped";
            if (method.ReturnsByRef || method.ReturnsByRefReadonly)
            {
                problems.Add(DiagnosticDescriptors.UnsupportedReturnType, location, method.Name, verb, method.ReturnType.ToDisplayString(), "is returned by reference");
                body = MethodBody.Unsupported;
            }
            else if (isCached && returnKind is ReturnKind.Void or ReturnKind.TaskVoid or ReturnKind.ValueTaskVoid)
            {
                problems.Add(DiagnosticDescriptors.UnsupportedReturnType, location, method.Name, verb, method.ReturnType.ToDisplayString(), "has no value to cache; use Task<T>, ValueTask<T> or T");
            }

            // problems only (the analyzers): ParseCache and the key checks read the parameters, body and return kind;
            // the containing types and the strings only the emitter uses are left empty
            var typeArguments = new List<string>();
            string ns = string.Empty;
            string hint = string.Empty;
            if (!problemsOnly)
            {
                for (var type = method.ContainingType; type is not null; type = type.ContainingType)
                {
                    typeArguments.InsertRange(0, type.TypeParameters.Select(t => Identifier(t.Name)));
                }

                typeArguments.AddRange(method.TypeParameters.Select(t => Identifier(t.Name)));

                bool overloaded = method.ContainingType.GetMembers(method.Name).Length > 1;
                ns = method.ContainingNamespace.IsGlobalNamespace ? string.Empty : method.ContainingNamespace.ToDisplayString();
                hint = (ns.Length == 0 ? string.Empty : ns + ".")
                    + SanitizedPath(containing) + "." + method.Name
                    + (overloaded ? "." + SignatureHash(method) : string.Empty)
                    + ".g.cs";
            }

            return new MethodSpec(
                hint,
                problemsOnly ? string.Empty : method.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat),
                ns.Length == 0 ? null : ns,
                new EquatableArray<ContainingTypeSpec>(containing),
                problemsOnly ? string.Empty : Modifiers(syntax),
                Identifier(method.Name),
                method.TypeParameters.Length == 0 || problemsOnly ? string.Empty : "<" + string.Join(", ", method.TypeParameters.Select(t => Identifier(t.Name))) + ">",
                problemsOnly ? EquatableArray<string>.Empty : new EquatableArray<string>(method.TypeParameters.Select(Constraint).Where(c => c is not null).Select(c => c!)),
                problemsOnly ? string.Empty : (method.ReturnsByRefReadonly ? "ref readonly " : method.ReturnsByRef ? "ref " : string.Empty) + method.ReturnType.ToDisplayString(s_typeFormat),
                returnKind,
                problemsOnly ? null : valueType?.ToDisplayString(s_typeFormat),
                new EquatableArray<ParameterSpec>(parameters),
                method.IsStatic,
                client ?? string.Empty,
                new EquatableArray<string>(typeArguments),
                body,
                null,
                EquatableArray<InvalidationSpec>.Empty);
        }

        /// <summary>The <c>[Cached]</c> attribute: namespace, TTL, key, tags, fingerprint. Null when any of them is refused.</summary>
        private static CacheSpec? ParseCache(IMethodSymbol method, AttributeData attribute, MethodSpec common, ValueGraphSpec? value, Problems problems, out CacheUseSpec? use, CancellationToken ct, bool problemsOnly)
        {
            use = null;
            var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(ct) as AttributeSyntax;
            bool valid = attribute.ConstructorArguments.Length == 2;
            string? ns = valid ? attribute.ConstructorArguments[0].Value as string : null;
            int ttl = valid && attribute.ConstructorArguments[1].Value is int t ? t : 0;
            if (valid)
            {
                if (!CacheKeyRules.IsValidNamespace(ns))
                {
                    problems.Add(DiagnosticDescriptors.InvalidNamespace, ArgumentLocation(syntax, 0, method), ns ?? "null");
                    valid = false;
                }

                if (attribute.ConstructorArguments[1].Value is not int)
                {
                    valid = false;
                }
                else if (ttl <= 0)
                {
                    problems.Add(DiagnosticDescriptors.NonPositiveTtl, ArgumentLocation(syntax, 1, method), method.Name, ttl);
                    valid = false;
                }
                else if (ttl > ThirtyDays)
                {
                    problems.Add(DiagnosticDescriptors.LongTtl, ArgumentLocation(syntax, 1, method), method.Name, ttl);
                }
            }

            string identity = TypeIdentity(method);
            string? keyTemplate = NamedString(attribute, "Key");
            var keyParameters = new HashSet<string>();
            EquatableArray<KeySegmentSpec>? key;
            KeyShapeSpec? keyShape = null;
            string keyIdentity;
            if (keyTemplate is null)
            {
                key = ParseDefaultKey(method, common, problems, keyParameters);
                keyIdentity = problemsOnly ? string.Empty : SanitizedPath(common.ContainingTypes) + "." + method.Name + "~" + SignatureHash(method);
            }
            else
            {
                var keyLocation = NamedLocation(syntax, "Key", method);
                var parsed = ParseTemplate(keyTemplate, method, keyLocation, identity, problems, keyParameters, ct);
                key = parsed.Segments;
                keyShape = parsed.Shape;
                keyIdentity = keyTemplate;
                foreach (var parameter in method.Parameters)
                {
                    if (!keyParameters.Contains(parameter.Name) && !IsCancellationToken(parameter.Type) && !IsNotCacheKey(parameter) && ParameterProblem(parameter) is null)
                    {
                        problems.Add(DiagnosticDescriptors.ParameterNotInKey, parameter.Locations[0], parameter.Name, method.Name);
                    }
                }

                if (key is not null)
                {
                    CheckMemberCoverage(method, keyTemplate, keyLocation, problems);
                }
            }

            var tagTemplates = NamedStrings(attribute, "Tags");
            var tags = new List<EquatableArray<KeySegmentSpec>>();
            var tagShapes = new List<KeyShapeSpec>();
            bool tagsValid = true;
            foreach (string tag in tagTemplates)
            {
                ct.ThrowIfCancellationRequested();
                var parsed = ParseTemplate(tag, method, NamedLocation(syntax, "Tags", method), string.Empty, problems, keyParameters, ct);
                tagShapes.Add(parsed.Shape);
                if (parsed.Segments is { } tagSpec)
                {
                    tags.Add(tagSpec);
                }
                else
                {
                    tagsValid = false;
                }
            }

            var attributeLocation = syntax?.GetLocation() ?? method.Locations[0];
            if (attribute.ConstructorArguments.Length == 2 && attribute.ConstructorArguments[0].Value is string useNs && attribute.ConstructorArguments[1].Value is int useTtl)
            {
                use = new CacheUseSpec(true, method.Name, method.ToDisplayString(), useNs, useTtl, keyShape, new EquatableArray<KeyShapeSpec>(tagShapes), LocationInfo.From(attributeLocation));
            }

            if (!valid || key is null || !tagsValid || value is null || problemsOnly)
            {
                return null;
            }

            string descriptor = "__cacheGen_" + method.Name + (method.ContainingType.GetMembers(method.Name).Length > 1 ? "_" + SignatureHash(method) : string.Empty);
            // one fingerprint of what a hit returns and what its key means: a deploy that changes either reads as a miss
            string fingerprint = Hash(value.Fingerprint + "|key:" + KeyShape(identity, key) + "|" + NamedString(attribute, "Version"), 8);
            return new CacheSpec(ns!, ttl, descriptor, keyIdentity, keyTemplate, new EquatableArray<string>(tagTemplates), key, new EquatableArray<EquatableArray<KeySegmentSpec>>(tags), fingerprint, value);
        }

        private static bool HasAttribute(IMethodSymbol method, string metadataName)
        {
            foreach (var attribute in method.GetAttributes())
            {
                if (attribute.AttributeClass is { } type && HasFullName(type, metadataName))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool IsNotCacheKey(IParameterSymbol parameter)
        {
            foreach (var attribute in parameter.GetAttributes())
            {
                if (attribute.AttributeClass is { } type && HasFullName(type, KnownNames.NotCacheKeyAttribute))
                {
                    return true;
                }
            }

            return false;
        }

        private static Location ArgumentLocation(AttributeSyntax? syntax, int index, IMethodSymbol method) =>
            syntax?.ArgumentList?.Arguments.Count > index ? syntax.ArgumentList.Arguments[index].GetLocation() : method.Locations[0];

        private static Location NamedLocation(AttributeSyntax? syntax, string name, IMethodSymbol method)
        {
            if (syntax?.ArgumentList is { } list)
            {
                foreach (var argument in list.Arguments)
                {
                    if (argument.NameEquals?.Name.Identifier.Text == name)
                    {
                        return argument.GetLocation();
                    }
                }
            }

            return method.Locations[0];
        }

        /// <summary>The containing types' names, sanitized for a hint name, outermost first, joined by dots.</summary>
        private static string SanitizedPath(IEnumerable<ContainingTypeSpec> containing)
        {
            var path = new System.Text.StringBuilder();
            foreach (var c in containing)
            {
                path.Append(path.Length == 0 ? string.Empty : ".").Append(SanitizeHint(c.Name));
            }

            return path.ToString();
        }

        /// <summary>The declaration's modifiers as written, without <c>partial</c> and <c>async</c>.</summary>
        private static string Modifiers(MethodDeclarationSyntax syntax)
        {
            var text = new System.Text.StringBuilder();
            foreach (var m in syntax.Modifiers)
            {
                if (!m.IsKind(SyntaxKind.PartialKeyword) && !m.IsKind(SyntaxKind.AsyncKeyword))
                {
                    text.Append(text.Length == 0 ? string.Empty : " ").Append(m.Text);
                }
            }

            return text.ToString();
        }

        /// <summary>Collects problems as data; formats arguments invariantly.</summary>
        private sealed class Problems
        {
            private List<DiagnosticInfo>? _items;

            public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params object[] arguments)
            {
                string[] texts = new string[arguments.Length];
                for (int i = 0; i < arguments.Length; i++)
                {
                    texts[i] = System.Convert.ToString(arguments[i], System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
                }

                return new(descriptor.Id, new EquatableArray<string>(texts), LocationInfo.From(location));
            }

            public void Add(DiagnosticDescriptor descriptor, Location? location, params object[] arguments) => Add(Create(descriptor, location, arguments));

            public void Add(DiagnosticInfo info)
            {
                // a parameter used by the key and a tag is reported once
                _items ??= new List<DiagnosticInfo>();
                if (!_items.Contains(info))
                {
                    _items.Add(info);
                }
            }

            public bool Has(string id)
            {
                foreach (var item in _items ?? (IEnumerable<DiagnosticInfo>)System.Array.Empty<DiagnosticInfo>())
                {
                    if (item.Id == id)
                    {
                        return true;
                    }
                }

                return false;
            }

            public EquatableArray<DiagnosticInfo> ToArray() => _items is null ? EquatableArray<DiagnosticInfo>.Empty : new EquatableArray<DiagnosticInfo>(_items);

            public MethodAnalysis Result(MethodSpec? spec, CacheUseSpec? use) =>
                new(spec, ToArray(), use is null ? EquatableArray<CacheUseSpec>.Empty : new EquatableArray<CacheUseSpec>(new[] { use }));
        }
    }
}
