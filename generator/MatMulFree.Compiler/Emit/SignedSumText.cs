using System.Globalization;
using System.Text;
using MatMulFree.Compiler.Planning;

namespace MatMulFree.Compiler.Emit
{
    /// <summary>
    /// The text of a ternary product plan's statements, which C# and C write the
    /// same way: <c>p[j] = q[a] - q[b];</c> for a shared sum and
    /// <c>acc[n] = p[3] - q[7] + ...;</c> for a row, wrapped every few terms.
    /// </summary>
    public static class SignedSumText
    {
        public const int TermsPerLine = 12;

        public static string Operand(SignedOperand o) =>
            (o.Source == OperandSource.Input ? "q[" : "p[") + o.Index.ToString(CultureInfo.InvariantCulture) + "]";

        /// <summary>"p[j] = left +/- right;" followed by <paramref name="comment"/> (already in the language's syntax).</summary>
        public static string SharedSum(SharedSum s, string comment) =>
            $"p[{s.Index}] = {Operand(s.Left)} {(s.Subtract ? "-" : "+")} {Operand(s.Right)};{comment}";

        /// <summary>Writes acc[row] = the signed sum of <paramref name="terms"/>; <paramref name="zero"/> for an all-zero row.</summary>
        public static void Row(CodeWriter w, int row, SignedOperand[] terms, string zero = "0")
        {
            if (terms.Length == 0)
            {
                w.Line($"acc[{row}] = {zero};");
                return;
            }
            var sb = new StringBuilder();
            sb.Append("acc[").Append(row).Append("] = ");
            for (int k = 0; k < terms.Length; k++)
            {
                var t = terms[k];
                if (k == 0)
                {
                    sb.Append(t.Negative ? "-" : "").Append(Operand(t));
                    continue;
                }
                if (k % TermsPerLine == 0)
                {
                    w.Line(sb.ToString());
                    sb.Clear().Append("    ");
                }
                else
                {
                    sb.Append(' ');
                }
                sb.Append(t.Negative ? "- " : "+ ").Append(Operand(t));
            }
            w.Line(sb.Append(';').ToString());
        }
    }
}
