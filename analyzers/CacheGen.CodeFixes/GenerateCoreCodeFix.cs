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

/// <summary>CGEN003: writes the <c>{Name}Core</c> stub with the method's parameters and return type.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(GenerateCoreCodeFix))]
[Shared]
public sealed class GenerateCoreCodeFix : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.MissingCore);

    /// <inheritdoc/>
    public override FixAllProvider? GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root?.FindToken(context.Span.Start).Parent?.AncestorsAndSelf().OfType<MethodDeclarationSyntax>().FirstOrDefault() is not { } method)
        {
            return;
        }

        string name = method.Identifier.Text + "Core";

        // the file's own line ending: a fix must not leave a CRLF line in an LF file (or the reverse)
        var endOfLine = root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        if (endOfLine == default)
        {
            endOfLine = SyntaxFactory.ElasticCarriageReturnLineFeed;
        }

        context.RegisterCodeFix(
            CodeAction.Create($"Generate '{name}'", _ =>
            {
                var modifiers = SyntaxFactory.TokenList(SyntaxFactory.Token(SyntaxKind.PrivateKeyword))
                    .AddRange(method.Modifiers.Where(m => m.IsKind(SyntaxKind.StaticKeyword)).Select(m => SyntaxFactory.Token(SyntaxKind.StaticKeyword)));
                var core = SyntaxFactory.MethodDeclaration(method.ReturnType.WithoutTrivia(), name)
                    .WithModifiers(modifiers)
                    .WithTypeParameterList(method.TypeParameterList)
                    .WithConstraintClauses(method.ConstraintClauses)
                    .WithParameterList(method.ParameterList.WithParameters(SyntaxFactory.SeparatedList(method.ParameterList.Parameters.Select(p => p.WithDefault(null).WithAttributeLists(default).WithIdentifier(p.Identifier.WithoutTrivia())))))
                    .WithExpressionBody(SyntaxFactory.ArrowExpressionClause(SyntaxFactory.ParseExpression("throw new global::System.NotImplementedException()")))
                    .WithSemicolonToken(SyntaxFactory.Token(SyntaxKind.SemicolonToken))
                    .NormalizeWhitespace(eol: endOfLine.ToFullString())
                    .WithAdditionalAnnotations(Simplifier.Annotation)
                    .WithLeadingTrivia(new[] { endOfLine }.Concat(method.GetLeadingTrivia().Where(t => t.IsKind(SyntaxKind.WhitespaceTrivia))))
                    .WithTrailingTrivia(endOfLine);
                var newRoot = root.InsertNodesAfter(method, new[] { core });
                return Task.FromResult(context.Document.WithSyntaxRoot(newRoot));
            }, nameof(GenerateCoreCodeFix)),
            context.Diagnostics);
    }
}
