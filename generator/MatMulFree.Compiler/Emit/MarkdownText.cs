using System.Globalization;
using System.Text;

namespace MatMulFree.Compiler.Emit
{
    /// <summary>
    /// Text from a model file in generated Markdown (the HLS project's README and
    /// report): one inline run of literal characters. Markdown's punctuation is
    /// backslash-escaped where it can start a construct inside a line (so no link, image,
    /// HTML, entity, emphasis, code, math or table cell can be made; the text never starts
    /// a line, so line-start markers such as '#' or '-' are left alone), and characters that are not inert (<see cref="DisplayText.IsInert"/>)
    /// are written as <c>\uXXXX</c>, so the text stays on its line.
    /// </summary>
    public static class MarkdownText
    {
        private const string Punctuation = "\\`*_[]<>|~&$";

        public static string Inline(string text)
        {
            var sb = new StringBuilder(text.Length + 8);
            foreach (char c in text)
            {
                if (Punctuation.IndexOf(c) >= 0)
                {
                    sb.Append('\\').Append(c);
                }
                else if (DisplayText.IsInert(c))
                {
                    sb.Append(c);
                }
                else
                {
                    sb.Append("\\\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                }
            }
            return sb.ToString();
        }
    }
}
