using System;
using System.Collections.Generic;
using System.Text;
using MatMulFree.Model;

namespace MatMulFree.Compiler.Planning
{
    /// <summary>
    /// Adder sharing for a constant ternary matrix: the input columns are cut into
    /// groups of g consecutive columns; over one group a row's weights form a
    /// signed pattern (3^g possibilities). Rows with the same pattern, or its
    /// negation, share its sum, computed once. A pattern's sum is built from the
    /// pattern without its last non-zero plus or minus that input, so every shared
    /// sum costs exactly one addition and shorter patterns are shared too (a
    /// compile-time, used-patterns-only cousin of T-MAC's lookup tables).
    /// Each g from 1 (no sharing) to <see cref="MaxGroupSize"/> is tried and the
    /// one with the fewest additions kept.
    /// </summary>
    public static class AdderSharing
    {
        public const int MaxGroupSize = 6;

        /// <summary>A plan needs one int of scratch per shared sum; plans above this are not considered.</summary>
        public const int MaxSharedSums = 1 << 16;

        public static TernaryProductPlan Plan(TernaryMatrix w, int maxGroupSize = MaxGroupSize)
        {
            var signs = w.ToSignedBytes();
            TernaryProductPlan? best = null;
            for (int g = 1; g <= Math.Max(1, Math.Min(maxGroupSize, MaxGroupSize)); g++)
            {
                var plan = PlanWithGroups(w.Rows, w.Columns, signs, g);
                if (plan != null && (best == null || plan.AdditionsAfter < best.AdditionsAfter))
                {
                    best = plan;
                }
            }
            return best!;
        }

        private static TernaryProductPlan? PlanWithGroups(int rows, int columns, sbyte[] signs, int g)
        {
            var shared = new List<SharedSum>();
            var rowTerms = new List<SignedOperand>[rows];
            long nonZeros = 0, before = 0;
            for (int n = 0; n < rows; n++)
            {
                rowTerms[n] = new List<SignedOperand>();
                int rowNonZeros = 0;
                for (int k = 0; k < columns; k++)
                {
                    if (signs[(long)n * columns + k] != 0) rowNonZeros++;
                }
                nonZeros += rowNonZeros;
                before += Math.Max(0, rowNonZeros - 1);
            }

            int codes = Pow3(g);
            var sumOfCode = new int[codes];
            for (int start = 0; start < columns; start += g)
            {
                int width = Math.Min(g, columns - start);
                for (int c = 0; c < codes; c++) sumOfCode[c] = -1;
                for (int n = 0; n < rows; n++)
                {
                    // Pattern code: digit j (base 3) = 0, 1 (+1) or 2 (-1) for column start + j.
                    int code = 0, scale = 1, first = 0;
                    for (int j = 0; j < width; j++)
                    {
                        int t = signs[(long)n * columns + start + j];
                        if (t != 0 && first == 0) first = t;
                        code += (t == 1 ? 1 : t == -1 ? 2 : 0) * scale;
                        scale *= 3;
                    }
                    if (code == 0)
                    {
                        continue;
                    }
                    bool negative = first < 0;
                    if (negative)
                    {
                        code = Negate(code, width);
                    }
                    var operand = Resolve(code, start, width, sumOfCode, shared);
                    rowTerms[n].Add(new SignedOperand(operand.Source, operand.Index, negative));
                    if (shared.Count > MaxSharedSums)
                    {
                        return null;
                    }
                }
            }

            // Write each row with a positive term first where it has one: no unary minus.
            var terms = new SignedOperand[rows][];
            for (int n = 0; n < rows; n++)
            {
                var list = rowTerms[n];
                int positive = list.FindIndex(t => !t.Negative);
                if (positive > 0)
                {
                    var p = list[positive];
                    list.RemoveAt(positive);
                    list.Insert(0, p);
                }
                terms[n] = list.ToArray();
            }
            return new TernaryProductPlan(rows, columns, g, shared, terms, nonZeros, before);
        }

        /// <summary>The operand holding the sum of a sign-normalized pattern (first non-zero +1).</summary>
        private static SignedOperand Resolve(int code, int start, int width, int[] sumOfCode, List<SharedSum> shared)
        {
            int last = -1, count = 0, scale = 1, lastScale = 0, lastDigit = 0;
            for (int j = 0, c = code; j < width; j++, c /= 3)
            {
                if (c % 3 != 0)
                {
                    count++;
                    last = j;
                    lastScale = scale;
                    lastDigit = c % 3;
                }
                scale *= 3;
            }
            if (count == 1)
            {
                return new SignedOperand(OperandSource.Input, start + last, false);
            }
            if (sumOfCode[code] >= 0)
            {
                return new SignedOperand(OperandSource.SharedSum, sumOfCode[code], false);
            }
            int parent = code - lastDigit * lastScale;
            var left = Resolve(parent, start, width, sumOfCode, shared);
            var right = new SignedOperand(OperandSource.Input, start + last, false);
            int index = shared.Count;
            shared.Add(new SharedSum(index, left, right, subtract: lastDigit == 2, start, Describe(code, width)));
            sumOfCode[code] = index;
            return new SignedOperand(OperandSource.SharedSum, index, false);
        }

        private static int Negate(int code, int width)
        {
            int result = 0, scale = 1;
            for (int j = 0; j < width; j++, code /= 3, scale *= 3)
            {
                int d = code % 3;
                result += (d == 1 ? 2 : d == 2 ? 1 : 0) * scale;
            }
            return result;
        }

        private static string Describe(int code, int width)
        {
            var sb = new StringBuilder(width);
            for (int j = 0; j < width; j++, code /= 3)
            {
                int d = code % 3;
                sb.Append(d == 1 ? '+' : d == 2 ? '-' : '0');
            }
            return sb.ToString();
        }

        private static int Pow3(int g)
        {
            int r = 1;
            for (int j = 0; j < g; j++) r *= 3;
            return r;
        }
    }
}
