using System.Collections.Generic;

namespace CacheGen.Generator;

/// <summary>The kind of one <c>:</c>-separated template segment.</summary>
internal enum TemplateSegmentKind
{
    Literal,
    Placeholder,
    Invalid,
}

/// <summary>One segment of a key or tag template.</summary>
internal sealed record TemplateSegment(TemplateSegmentKind Kind, string Text);

/// <summary>
/// Rules for namespaces and key templates, shared by the generator and the analyzers so the two cannot disagree.
/// </summary>
internal static class CacheKeyRules
{
    /// <summary>A namespace matches <c>[a-z0-9][a-z0-9_.-]*</c>: no separator, glob character or space can reach a key.</summary>
    public static bool IsValidNamespace(string? ns)
    {
        if (ns is null || ns.Length == 0 || !IsLowerAlnum(ns[0]))
        {
            return false;
        }

        foreach (char c in ns)
        {
            if (!IsLowerAlnum(c) && c is not '_' and not '.' and not '-')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Splits a template on <c>:</c>. A segment is a literal of <c>[A-Za-z0-9_.-]</c> or a whole <c>{placeholder}</c>
    /// naming a parameter or a member path; a placeholder sharing a segment with text would make keys ambiguous.
    /// </summary>
    public static List<TemplateSegment> SplitTemplate(string template)
    {
        var result = new List<TemplateSegment>();
        foreach (string segment in template.Split(':'))
        {
            if (segment.Length > 2 && segment[0] == '{' && segment[segment.Length - 1] == '}')
            {
                string path = segment.Substring(1, segment.Length - 2);
                result.Add(new TemplateSegment(IsMemberPath(path) ? TemplateSegmentKind.Placeholder : TemplateSegmentKind.Invalid, path));
            }
            else
            {
                result.Add(new TemplateSegment(IsLiteral(segment) ? TemplateSegmentKind.Literal : TemplateSegmentKind.Invalid, segment));
            }
        }

        return result;
    }

    private static bool IsLiteral(string segment)
    {
        if (segment.Length == 0)
        {
            return false;
        }

        foreach (char c in segment)
        {
            if (!(c is >= 'a' and <= 'z' || c is >= 'A' and <= 'Z' || c is >= '0' and <= '9' || c is '_' or '.' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsMemberPath(string path)
    {
        foreach (string part in path.Split('.'))
        {
            if (part.Length == 0 || !(char.IsLetter(part[0]) || part[0] == '_'))
            {
                return false;
            }

            foreach (char c in part)
            {
                if (!char.IsLetterOrDigit(c) && c != '_')
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static bool IsLowerAlnum(char c) => c is >= 'a' and <= 'z' || c is >= '0' and <= '9';
}
