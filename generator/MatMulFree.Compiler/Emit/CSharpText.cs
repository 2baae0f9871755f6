using System.Globalization;
using System.Text;
using MatMulFree.Model.Text;

namespace MatMulFree.Compiler.Emit
{
    /// <summary>
    /// The one way text from a model file (a name, a path, a tokenizer piece) enters
    /// generated C#: as a string literal or as comment text, both pure printable ASCII,
    /// everything else written as a <c>\uXXXX</c> escape. So no line terminator
    /// (LF, CR, U+0085, U+2028, U+2029) can end a comment, no quote or backslash can end
    /// a literal, and no bidi control can make the code read otherwise than it compiles.
    /// </summary>
    public static class CSharpText
    {
        /// <summary>A C# string literal of <paramref name="text"/>, quotes included; every UTF-16
        /// code unit survives, lone surrogates too.</summary>
        public static string Literal(string text)
        {
            var sb = new StringBuilder(text.Length + 2).Append('"');
            foreach (char c in text)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    case '\0': sb.Append("\\0"); break;
                    default:
                        if (c >= 0x20 && c < 0x7f)
                        {
                            sb.Append(c);
                        }
                        else
                        {
                            sb.AppendUnicodeEscape(c);
                        }
                        break;
                }
            }
            return sb.Append('"').ToString();
        }

        /// <summary>Text for a <c>//</c> or <c>///</c> comment line: printable ASCII, the XML
        /// characters of doc comments escaped (<c>&amp; &lt; &gt;</c>), the rest as <c>\uXXXX</c>.</summary>
        public static string Comment(string text)
        {
            var sb = new StringBuilder(text.Length);
            foreach (char c in text)
            {
                switch (c)
                {
                    case '&': sb.Append("&amp;"); break;
                    case '<': sb.Append("&lt;"); break;
                    case '>': sb.Append("&gt;"); break;
                    default:
                        if (c >= 0x20 && c < 0x7f)
                        {
                            sb.Append(c);
                        }
                        else
                        {
                            sb.AppendUnicodeEscape(c);
                        }
                        break;
                }
            }
            return sb.ToString();
        }
    }
}
