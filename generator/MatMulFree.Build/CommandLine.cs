using System.Collections.Generic;
using System.Text;

namespace MatMulFree.Build
{
    /// <summary>
    /// The one escaping function for command lines: a list of arguments as the one
    /// string <c>ProcessStartInfo.Arguments</c> takes, such that the started program
    /// receives exactly those arguments. No shell is involved: .NET splits the string
    /// itself (on every platform by the rules of the Windows C runtime, which this
    /// quoting inverts), so <c>$</c>, backquotes, <c>;</c> or newlines in a file name
    /// are just characters.
    /// </summary>
    public static class CommandLine
    {
        public static string Join(IEnumerable<string> arguments)
        {
            var sb = new StringBuilder();
            foreach (var a in arguments)
            {
                if (sb.Length > 0)
                {
                    sb.Append(' ');
                }
                Append(sb, a);
            }
            return sb.ToString();
        }

        /// <summary>One argument: as it is when that is unambiguous, else in double quotes with
        /// backslashes doubled where they precede a quote and quotes escaped.</summary>
        public static void Append(StringBuilder sb, string argument)
        {
            if (argument.Length > 0 && argument.IndexOfAny(new[] { ' ', '\t', '\n', '\v', '\r', '"' }) < 0)
            {
                sb.Append(argument);
                return;
            }
            sb.Append('"');
            int backslashes = 0;
            foreach (char c in argument)
            {
                if (c == '\\')
                {
                    backslashes++;
                    continue;
                }
                if (c == '"')
                {
                    // Backslashes before a quote are doubled, and the quote itself escaped.
                    sb.Append('\\', 2 * backslashes + 1);
                }
                else
                {
                    sb.Append('\\', backslashes);
                }
                backslashes = 0;
                sb.Append(c);
            }
            // Backslashes before the closing quote are doubled.
            sb.Append('\\', 2 * backslashes);
            sb.Append('"');
        }
    }
}
