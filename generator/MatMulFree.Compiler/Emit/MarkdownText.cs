using System.Globalization;
using System.Text;
using MatMulFree.Model.Text;

namespace MatMulFree.Compiler.Emit
{
    /// <summary>
    /// Text from a model file in generated Markdown (the HLS project's README and report):
    /// a code span, in which Markdown makes nothing (no link or autolink, no image, HTML,
    /// entity, emphasis, math or table cell). The fence is one backtick more than the
    /// longest run of backticks in the text, '|' (which ends a table cell even inside
    /// a code span) and every character that is not inert (<see cref="DisplayText.IsInert"/>)
    /// are written as <c>\uXXXX</c>, so the span stays on its line and in its cell.
    /// </summary>
    public static class MarkdownText
    {
        public static string Code(string text)
        {
            var body = new StringBuilder(text.Length + 8);
            int run = 0, longest = 0;
            for (int k = 0; k < text.Length; k++)
            {
                char c = text[k];
                run = c == '`' ? run + 1 : 0;
                longest = System.Math.Max(longest, run);
                bool pair = char.IsHighSurrogate(c) && k + 1 < text.Length && char.IsLowSurrogate(text[k + 1]);
                if (pair && DisplayText.IsInert(text.Substring(k, 2)))
                {
                    body.Append(c).Append(text[++k]);
                }
                else if (c != '|' && !pair && DisplayText.IsInert(c))
                {
                    body.Append(c);
                }
                else
                {
                    body.AppendUnicodeEscape(c);
                }
            }
            string fence = new string('`', longest + 1);
            string inner = body.ToString();
            // A space on each side keeps a backtick at either end apart from the fence.
            bool pad = inner.Length == 0 || inner[0] == '`' || inner[inner.Length - 1] == '`';
            return fence + (pad ? " " + inner + " " : inner) + fence;
        }
    }
}
