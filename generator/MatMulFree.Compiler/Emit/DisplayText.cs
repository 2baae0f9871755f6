using System.Globalization;
using System.Text;

namespace MatMulFree.Compiler.Emit
{
    /// <summary>
    /// Untrusted text (a model's name, a path, a key from a manifest) as it is shown in
    /// a message or on a terminal: every character that could act rather than show is
    /// written as <c>\uXXXX</c> (C0 and C1 controls, so no terminal escape sequence gets
    /// through; line and paragraph separators, so a message stays one line; bidi
    /// controls and invisible formatting characters; lone surrogates), and the text is
    /// cut to a maximum length so that a hostile value cannot make a message huge.
    /// </summary>
    public static class DisplayText
    {
        public const int DefaultMaxLength = 120;

        public static string Of(string text, int maxLength = DefaultMaxLength)
        {
            var sb = new StringBuilder(System.Math.Min(text.Length, maxLength) + 8);
            for (int k = 0; k < text.Length; k++)
            {
                if (sb.Length >= maxLength)
                {
                    sb.Append("...");
                    break;
                }
                char c = text[k];
                if (char.IsHighSurrogate(c) && k + 1 < text.Length && char.IsLowSurrogate(text[k + 1]))
                {
                    sb.Append(c).Append(text[++k]);
                }
                else if (IsInert(c))
                {
                    sb.Append(c);
                }
                else
                {
                    sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                }
            }
            return sb.ToString();
        }

        /// <summary>True when every character of <paramref name="text"/> only shows itself (surrogate pairs included).</summary>
        public static bool IsInert(string text)
        {
            for (int k = 0; k < text.Length; k++)
            {
                char c = text[k];
                if (char.IsHighSurrogate(c) && k + 1 < text.Length && char.IsLowSurrogate(text[k + 1]))
                {
                    k++;
                }
                else if (!IsInert(c))
                {
                    return false;
                }
            }
            return true;
        }

        /// <summary>True for a character that only shows itself (no control, separator, format or lone surrogate).</summary>
        public static bool IsInert(char c)
        {
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || char.IsSurrogate(c))
            {
                return false;
            }
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            return category != UnicodeCategory.Format && category != UnicodeCategory.LineSeparator
                && category != UnicodeCategory.ParagraphSeparator && category != UnicodeCategory.Control
                && category != UnicodeCategory.PrivateUse && category != UnicodeCategory.OtherNotAssigned;
        }
    }
}
