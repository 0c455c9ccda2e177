using System;
using System.Text;
using Microsoft.CodeAnalysis.Text;

namespace CacheGen.Generator.Helpers;

/// <summary>A StringBuilder with indentation: <see cref="WriteLine(string)"/> indents every line of a multi-line string.</summary>
internal sealed class SourceWriter
{
    private const int IndentSize = 4;

    // the largest builder kept for reuse (characters): the biggest generated files of a large project stay under it
    private const int MaxCachedCapacity = 256 * 1024;

    // one builder per thread, reused from file to file: a fresh builder grown to each file's size allocated the text a
    // second time in chunks (about 2 MB per build of the 300-method build-cost project). Taken by a writer while it
    // writes, so a writer created while another is open on the thread gets its own
    [ThreadStatic]
    private static StringBuilder? t_cached;

    private StringBuilder _sb;

    public SourceWriter()
    {
        _sb = t_cached ?? new StringBuilder();
        t_cached = null;
        _sb.Clear();
    }

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

        string text = _sb.ToString();
        if (_sb.Capacity <= MaxCachedCapacity)
        {
            // this writer is done: its builder goes back for the next file, and the writer gets a fresh one should it
            // be written to again
            _sb.Clear();
            t_cached = _sb;
            _sb = new StringBuilder();
        }

        return SourceText.From(text, Encoding.UTF8);
    }

    public override string ToString() => _sb.ToString();
}
