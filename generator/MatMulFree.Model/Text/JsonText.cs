using System.Globalization;
using System.Text;

namespace MatMulFree.Model.Text
{
    /// <summary>
    /// The one JSON string quoter (manifests, reports, benchmark files): RFC 8259
    /// escapes, plus <c>\uXXXX</c> for every character that is not inert
    /// (<see cref="DisplayText.IsInert"/>: line and paragraph separators, bidi and other
    /// format characters, C1 controls, lone surrogates, which UTF-8 cannot carry), so a
    /// viewer shows the text as it is and every string reads back exactly as it was; and
    /// U+FFFD, which readers refuse in a manifest's text (it is what bytes that are not
    /// UTF-8 become when the compiler reads a file leniently).
    /// </summary>
    public static class JsonText
    {
        public static string Quote(string s)
        {
            var sb = new StringBuilder(s.Length + 2).Append('"');
            for (int k = 0; k < s.Length; k++)
            {
                char ch = s[k];
                switch (ch)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default:
                        bool pair = char.IsHighSurrogate(ch) && k + 1 < s.Length && char.IsLowSurrogate(s[k + 1]);
                        if (pair && DisplayText.IsInert(s.Substring(k, 2)))
                        {
                            sb.Append(ch).Append(s[++k]);
                        }
                        else if (pair)
                        {
                            sb.AppendUnicodeEscape(ch)
                              .AppendUnicodeEscape(s[++k]);
                        }
                        else if (!DisplayText.IsInert(ch) || ch == '\uFFFD')
                        {
                            sb.AppendUnicodeEscape(ch);
                        }
                        else
                        {
                            sb.Append(ch);
                        }
                        break;
                }
            }
            return sb.Append('"').ToString();
        }
    }
}
