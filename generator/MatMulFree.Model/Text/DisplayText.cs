using System.Globalization;
using System.Text;

namespace MatMulFree.Model.Text
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
                if (IsPair(text, k))
                {
                    if (IsInertCategory(CharUnicodeInfo.GetUnicodeCategory(text, k)))
                    {
                        sb.Append(c).Append(text[k + 1]);
                    }
                    else
                    {
                        sb.AppendUnicodeEscape(c)
                          .AppendUnicodeEscape(text[k + 1]);
                    }
                    k++;
                }
                else if (IsInert(c))
                {
                    sb.Append(c);
                }
                else
                {
                    sb.AppendUnicodeEscape(c);
                }
            }
            return sb.ToString();
        }

        private static bool IsPair(string text, int k) => char.IsHighSurrogate(text[k]) && k + 1 < text.Length && char.IsLowSurrogate(text[k + 1]);

        /// <summary>
        /// Text a model generated, for a terminal: only the characters that make escape
        /// sequences or move the cursor (C0 controls but tab and line feed, DEL, C1 controls) are
        /// written as <c>\uXXXX</c>; everything else, bidi text included, is the model's own.
        /// (Written to a file or a pipe, generated text is left exactly as it is.)
        /// </summary>
        public static string WithoutControls(string text)
        {
            StringBuilder? sb = null;
            for (int k = 0; k < text.Length; k++)
            {
                char c = text[k];
                bool control = (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f || (c >= 0x80 && c <= 0x9f);
                if (control)
                {
                    sb ??= new StringBuilder(text, 0, k, text.Length + 8);
                    sb.AppendUnicodeEscape(c);
                }
                else
                {
                    sb?.Append(c);
                }
            }
            return sb?.ToString() ?? text;
        }

        /// <summary>True when every character of <paramref name="text"/> only shows itself (a surrogate pair
        /// by the category of the code point it makes: tag and other invisible characters outside the BMP are not).</summary>
        public static bool IsInert(string text)
        {
            for (int k = 0; k < text.Length; k++)
            {
                if (IsPair(text, k))
                {
                    if (!IsInertCategory(CharUnicodeInfo.GetUnicodeCategory(text, k)))
                    {
                        return false;
                    }
                    k++;
                }
                else if (!IsInert(text[k]))
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
            return IsInertCategory(CharUnicodeInfo.GetUnicodeCategory(c));
        }

        private static bool IsInertCategory(UnicodeCategory category) =>
            category != UnicodeCategory.Format && category != UnicodeCategory.LineSeparator
            && category != UnicodeCategory.ParagraphSeparator && category != UnicodeCategory.Control
            && category != UnicodeCategory.PrivateUse && category != UnicodeCategory.OtherNotAssigned
            && category != UnicodeCategory.Surrogate;
    }
}
