using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using CacheGen.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CacheGen.CodeFixes;

/// <summary>CGEN009: rewrites a namespace to lower case, with every character outside <c>[a-z0-9_.-]</c> replaced by <c>-</c>.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(NamespaceCodeFix))]
[Shared]
public sealed class NamespaceCodeFix : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.InvalidNamespace);

    /// <inheritdoc/>
    public override FixAllProvider? GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var literal = root?.FindNode(context.Span).DescendantNodesAndSelf().OfType<LiteralExpressionSyntax>().FirstOrDefault(l => l.IsKind(SyntaxKind.StringLiteralExpression));
        if (root is null || literal is null)
        {
            return;
        }

        string fixedName = Normalize(literal.Token.ValueText);
        context.RegisterCodeFix(
            CodeAction.Create($"Use namespace '{fixedName}'", _ =>
            {
                var updated = SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(fixedName)).WithTriviaFrom(literal);
                return Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(literal, updated)));
            }, nameof(NamespaceCodeFix)),
            context.Diagnostics);
    }

    internal static string Normalize(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (char c in name.Trim().ToLowerInvariant())
        {
            bool ok = c is >= 'a' and <= 'z' || c is >= '0' and <= '9' || c is '_' or '.' or '-';
            sb.Append(ok ? c : '-');
        }

        // the first character must be a letter or digit
        string result = sb.ToString().TrimStart('_', '.', '-');
        return result.Length == 0 ? "cache" : result;
    }
}
