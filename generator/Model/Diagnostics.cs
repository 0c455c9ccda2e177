using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace CacheGen.Generator.Model;

// Problems are pipeline values too: equatable data, never a Location (which roots its syntax tree).

/// <summary>The result of analysing one annotated method: what to emit (null: nothing) and what is wrong with it.</summary>
internal sealed record MethodAnalysis(MethodSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics, EquatableArray<CacheUseSpec> Uses)
{
    public static readonly MethodAnalysis None = new(null, EquatableArray<DiagnosticInfo>.Empty, EquatableArray<CacheUseSpec>.Empty);
}

/// <summary>One problem: a descriptor id, its message arguments (already formatted) and where it is.</summary>
internal sealed record DiagnosticInfo(string Id, EquatableArray<string> Arguments, LocationInfo? Location)
{
    /// <summary>
    /// CGEN001/CGEN002 are reported by the generator: the user's code does not compile then, and a command-line build
    /// with compiler errors prints no analyzer diagnostics. The analyzers report every other id.
    /// </summary>
    public bool IsReportedByGenerator => Id is "CGEN001" or "CGEN002";
}

/// <summary>A source location as data: file path, span and line span.</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public static LocationInfo? From(Location? location) =>
        location is { IsInSource: true, SourceTree: { } tree }
            ? new LocationInfo(tree.FilePath, location.SourceSpan, location.GetLineSpan().Span)
            : null;

    /// <summary>A real source location in <paramref name="compilation"/>, so <c>#pragma</c> and <c>.editorconfig</c> apply.</summary>
    public Location ToLocation(Compilation compilation, SyntaxTree? likely = null)
    {
        if (likely is not null && likely.FilePath == FilePath)
        {
            return Location.Create(likely, Span);
        }

        foreach (var tree in compilation.SyntaxTrees)
        {
            if (tree.FilePath == FilePath)
            {
                return Location.Create(tree, Span);
            }
        }

        return Location.Create(FilePath, Span, LineSpan);
    }
}

/// <summary>
/// What one <c>[Cached]</c> or <c>[InvalidatesCache]</c> attribute contributes to the compilation-wide checks
/// (CGEN019-023): its namespace, key and tag shapes.
/// </summary>
internal sealed record CacheUseSpec(bool IsCached, string MethodName, string MethodDisplay, string? CacheNamespace, int TtlSeconds, KeyShapeSpec? Key, EquatableArray<KeyShapeSpec> Tags, LocationInfo? Location);

/// <summary>
/// A template with placeholders replaced by <c>{}</c> (so <c>rack:{id}</c> and <c>rack:{rackId}</c> match), the
/// type identity the key carries (see <c>Parser.TypeIdentity</c>), and each placeholder's type and written form.
/// </summary>
internal sealed record KeyShapeSpec(string Template, string Pattern, string TypeIdentity, EquatableArray<string> PlaceholderTypes, EquatableArray<string> PlaceholderForms);
