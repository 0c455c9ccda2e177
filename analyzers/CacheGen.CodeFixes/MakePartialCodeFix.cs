using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CacheGen.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CacheGen.CodeFixes;

/// <summary>
/// CGEN001/CGEN002: makes the containing types partial and turns a method with a body into a partial
/// declaration whose body moves into <c>{Name}Core</c>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialCodeFix))]
[Shared]
public sealed class MakePartialCodeFix : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.MethodNotPartial, DiagnosticIds.TypeNotPartial);

    /// <inheritdoc/>
    public override FixAllProvider? GetFixAllProvider() => null;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root?.FindToken(context.Span.Start).Parent?.AncestorsAndSelf().OfType<MethodDeclarationSyntax>().FirstOrDefault() is not { } method)
        {
            return;
        }

        string title = method.Body is null && method.ExpressionBody is null
            ? "Make the containing types partial"
            : $"Make '{method.Identifier.Text}' partial and move its body into '{method.Identifier.Text}Core'";
        context.RegisterCodeFix(
            CodeAction.Create(title, ct => FixAsync(context.Document, root, method, ct), nameof(MakePartialCodeFix)),
            context.Diagnostics);
    }

    private static Task<Document> FixAsync(Document document, SyntaxNode root, MethodDeclarationSyntax method, CancellationToken ct)
    {
        var type = (TypeDeclarationSyntax)method.Parent!;
        var newType = type;
        if (method.Body is not null || method.ExpressionBody is not null || !method.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            // the implementation keeps the body, private, under the Core name; the declaration loses it and its attributes stay
            var core = method
                .WithAttributeLists(default)
                .WithModifiers(SyntaxFactory.TokenList(SyntaxFactory.Token(SyntaxKind.PrivateKeyword).WithTrailingTrivia(SyntaxFactory.Space))
                    .AddRange(method.Modifiers.Where(m => m.IsKind(SyntaxKind.StaticKeyword) || m.IsKind(SyntaxKind.AsyncKeyword))))
                .WithIdentifier(SyntaxFactory.Identifier(method.Identifier.Text + "Core"))
                .WithParameterList(method.ParameterList.WithParameters(SyntaxFactory.SeparatedList(method.ParameterList.Parameters.Select(p => p.WithDefault(null).WithAttributeLists(default).WithIdentifier(p.Identifier.WithoutTrivia())))))
                .WithLeadingTrivia(SyntaxFactory.ElasticCarriageReturnLineFeed, SyntaxFactory.ElasticMarker);
            var declaration = method
                .WithModifiers(AddPartial(SyntaxFactory.TokenList(method.Modifiers.Where(m => !m.IsKind(SyntaxKind.AsyncKeyword)))))
                .WithBody(null)
                .WithExpressionBody(null)
                .WithSemicolonToken(SyntaxFactory.Token(SyntaxKind.SemicolonToken));
            newType = type.ReplaceNode(method, new SyntaxNode[] { declaration, core });
        }

        newType = newType.WithModifiers(AddPartial(newType.Modifiers));
        var newRoot = root.ReplaceNode(type, newType);
        foreach (var outer in newRoot.DescendantNodes().OfType<TypeDeclarationSyntax>()
                     .Where(t => !t.Modifiers.Any(SyntaxKind.PartialKeyword) && t.DescendantNodes().OfType<MethodDeclarationSyntax>().Any(m => m.Identifier.Text == method.Identifier.Text && m.Modifiers.Any(SyntaxKind.PartialKeyword)))
                     .ToList())
        {
            newRoot = newRoot.ReplaceNode(newRoot.DescendantNodes().OfType<TypeDeclarationSyntax>().First(t => t.Identifier.Text == outer.Identifier.Text && t.Span.Length == outer.Span.Length), outer.WithModifiers(AddPartial(outer.Modifiers)));
        }

        return Task.FromResult(document.WithSyntaxRoot(newRoot));
    }

    /// <summary>Adds <c>partial</c> last among the modifiers, where C# requires it.</summary>
    internal static SyntaxTokenList AddPartial(SyntaxTokenList modifiers) =>
        modifiers.Any(SyntaxKind.PartialKeyword)
            ? modifiers
            : modifiers.Add(SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space));
}
