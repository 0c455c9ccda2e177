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

/// <summary>CGEN016: adds the parameter to the <c>Key</c> template, or marks it <c>[NotCacheKey]</c>.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(KeyParameterCodeFix))]
[Shared]
public sealed class KeyParameterCodeFix : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.ParameterNotInKey);

    /// <inheritdoc/>
    public override FixAllProvider? GetFixAllProvider() => null;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var parameter = root?.FindToken(context.Span.Start).Parent?.AncestorsAndSelf().OfType<ParameterSyntax>().FirstOrDefault();
        var method = parameter?.Parent?.Parent as MethodDeclarationSyntax;
        var key = method?.AttributeLists.SelectMany(l => l.Attributes)
            .Where(a => a.Name.ToString() is "Cached" or "CachedAttribute" or "CacheGen.Cached" or "global::CacheGen.Cached")
            .SelectMany(a => a.ArgumentList?.Arguments ?? default)
            .FirstOrDefault(a => a.NameEquals?.Name.Identifier.Text == "Key");
        if (root is null || parameter is null || key?.Expression is not LiteralExpressionSyntax literal)
        {
            return;
        }

        string name = parameter.Identifier.Text;
        context.RegisterCodeFix(
            CodeAction.Create($"Add '{{{name}}}' to the key template", _ =>
            {
                var updated = SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(literal.Token.ValueText + ":{" + name + "}"));
                return Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(literal, updated.WithTriviaFrom(literal))));
            }, nameof(KeyParameterCodeFix) + ".Add"),
            context.Diagnostics);
        context.RegisterCodeFix(
            CodeAction.Create($"Mark '{name}' [NotCacheKey]", _ =>
            {
                var attribute = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Attribute(SyntaxFactory.ParseName("global::CacheGen.NotCacheKey").WithAdditionalAnnotations(Simplifier.Annotation))))
                    .WithTrailingTrivia(SyntaxFactory.Space);
                var marked = parameter.WithAttributeLists(parameter.AttributeLists.Add(attribute)).WithLeadingTrivia(parameter.GetLeadingTrivia());
                return Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(parameter, marked)));
            }, nameof(KeyParameterCodeFix) + ".NotCacheKey"),
            context.Diagnostics);
    }
}
