using System.Globalization;
using System.Text;

namespace MatMulFree.Model.Text
{
    /// <summary>The <c>\uXXXX</c> form every escaping function writes (those of this folder and the compiler's C#, C and Markdown ones) a character in
    /// (a UTF-16 code unit, four lowercase hexadecimal digits): valid in C#, C comments, JSON and
    /// display text alike.</summary>
    public static class UnicodeEscape
    {
        public static StringBuilder AppendUnicodeEscape(this StringBuilder sb, char c) =>
            sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
    }
}
