using System;
using System.Text;
using Microsoft.CodeAnalysis.Text;

namespace CacheGen.Generator.Helpers;

/// <summary>A StringBuilder with indentation: <see cref="WriteLine(string)"/> indents every line of a multi-line string.</summary>
internal sealed class SourceWriter
{
    private const int IndentSize = 4;
    private readonly StringBuilder _sb = new();

    public int Indentation { get; set; }

    public void OpenBlock()
    {
        WriteLine("{");
        Indentation++;
    }

    public void CloseBlock(string suffix = "")
    {
        Indentation--;
        WriteLine("}" + suffix);
    }

    public void WriteLine() => _sb.Append('\n');

    public void WriteLine(string text)
    {
        // lines are split on '\n' only and written with '\n', so output is byte-identical on every OS
        int start = 0;
        while (true)
        {
            // appended from the text itself: a Substring per line copied every generated line twice
            int end = text.IndexOf('\n', start);
            int stop = end < 0 ? text.Length : end;
            while (stop > start && text[stop - 1] == '\r')
            {
                stop--;
            }

            if (stop > start)
            {
                _sb.Append(' ', Indentation * IndentSize).Append(text, start, stop - start);
            }

            _sb.Append('\n');
            if (end < 0)
            {
                return;
            }

            start = end + 1;
        }
    }

    public SourceText ToSourceText()
    {
        if (Indentation != 0)
        {
            throw new InvalidOperationException("Unbalanced blocks in generated source.");
        }

        return SourceText.From(_sb.ToString(), Encoding.UTF8);
    }

    public override string ToString() => _sb.ToString();
}
