using System.Text;

namespace MatMulFree.Compiler.Emit
{
    /// <summary>A small indented text writer for generated C# and C (the Roslyn cookbook's advice: text, not syntax trees).</summary>
    public sealed class CodeWriter
    {
        private readonly StringBuilder _sb = new StringBuilder();
        private int _indent;

        public CodeWriter Line(string text = "")
        {
            if (text.Length > 0)
            {
                _sb.Append(' ', 4 * _indent);
                _sb.Append(text);
            }
            _sb.Append('\n');
            return this;
        }

        public CodeWriter Open(string header)
        {
            Line(header);
            Line("{");
            _indent++;
            return this;
        }

        public CodeWriter Close(string suffix = "")
        {
            _indent--;
            Line("}" + suffix);
            return this;
        }

        /// <summary>/// &lt;summary&gt; or &lt;remarks&gt; lines of generated C#, each through <see cref="CSharpText.Comment"/>;
        /// one short line stays on the tag's line.</summary>
        public CodeWriter Doc(string tag, params string[] lines)
        {
            if (lines.Length == 1 && lines[0].Length <= 100)
            {
                return Line($"/// <{tag}>{CSharpText.Comment(lines[0])}</{tag}>");
            }
            Line($"/// <{tag}>");
            foreach (var l in lines)
            {
                Line("/// " + CSharpText.Comment(l));
            }
            Line($"/// </{tag}>");
            return this;
        }

        public override string ToString() => _sb.ToString();
    }
}
