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
            int end = text.IndexOf('\n', start);
            string line = (end < 0 ? text.Substring(start) : text.Substring(start, end - start)).TrimEnd('\r');
            if (line.Length > 0)
            {
                _sb.Append(' ', Indentation * IndentSize).Append(line);
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
