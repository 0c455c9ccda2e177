using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using CacheGen.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;

namespace CacheGen.CodeFixes;

/// <summary>
/// CGEN004: adds an <c>ICacheClient cache</c> constructor parameter: to the primary constructor (written if
/// the type has no constructor), or to every explicit constructor, stored in a field.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddCacheClientCodeFix))]
[Shared]
public sealed class AddCacheClientCodeFix : CodeFixProvider
{
    private const string ClientType = "global::CacheGen.ICacheClient";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.NoCacheClient);

    /// <inheritdoc/>
    public override FixAllProvider? GetFixAllProvider() => null;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var method = root?.FindToken(context.Span.Start).Parent?.AncestorsAndSelf().OfType<MethodDeclarationSyntax>().FirstOrDefault();
        if (root is null || method?.Parent is not TypeDeclarationSyntax type || method.Modifiers.Any(SyntaxKind.StaticKeyword))
        {
            // a static method needs a static client, which a constructor cannot supply
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create("Add an ICacheClient constructor parameter", _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(type, AddClient(type)))), nameof(AddCacheClientCodeFix)),
            context.Diagnostics);
    }

    private static TypeDeclarationSyntax AddClient(TypeDeclarationSyntax type)
    {
        var parameter = SyntaxFactory.Parameter(SyntaxFactory.Identifier("cache")).WithType(SyntaxFactory.ParseTypeName(ClientType).WithAdditionalAnnotations(Simplifier.Annotation).WithTrailingTrivia(SyntaxFactory.Space));
        var constructors = type.Members.OfType<ConstructorDeclarationSyntax>().Where(c => !c.Modifiers.Any(SyntaxKind.StaticKeyword)).ToList();
        if (type.ParameterList is { } primary)
        {
            return type.WithParameterList(primary.AddParameters(parameter));
        }

        if (constructors.Count == 0)
        {
            // no constructor yet: a primary constructor parameter is the shortest correct form
            return type.WithIdentifier(type.Identifier.WithTrailingTrivia())
                .WithParameterList(SyntaxFactory.ParameterList(SyntaxFactory.SingletonSeparatedList(parameter)).WithTrailingTrivia(type.Identifier.TrailingTrivia));
        }

        var field = SyntaxFactory.ParseMemberDeclaration($"private readonly {ClientType} _cache;")!.WithAdditionalAnnotations(Simplifier.Annotation)
            .WithLeadingTrivia(constructors[0].GetLeadingTrivia())
            .WithTrailingTrivia(SyntaxFactory.ElasticCarriageReturnLineFeed, SyntaxFactory.ElasticCarriageReturnLineFeed);
        var updated = type.ReplaceNodes(constructors, (original, _) =>
        {
            var withParameter = original.AddParameterListParameters(parameter);
            var assignment = SyntaxFactory.ParseStatement("_cache = cache;");
            return withParameter.Body is not null
                ? withParameter.WithBody(withParameter.Body.AddStatements(assignment))
                : withParameter.WithExpressionBody(null).WithSemicolonToken(default)
                    .WithBody(SyntaxFactory.Block(SyntaxFactory.ExpressionStatement(withParameter.ExpressionBody!.Expression), assignment));
        });
        return updated.WithMembers(updated.Members.Insert(updated.Members.IndexOf(updated.Members.OfType<ConstructorDeclarationSyntax>().First()), field));
    }
}
