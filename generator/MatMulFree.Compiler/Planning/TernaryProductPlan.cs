using System.Collections.Generic;
using MatMulFree.Model;

namespace MatMulFree.Compiler.Planning
{
    /// <summary>
    /// How one ternary matrix-vector product is written out: the shared sub-sums
    /// computed first, then each output row as a signed sum of inputs and shared
    /// sub-sums. Integer arithmetic, so every plan gives the same results as the
    /// plain row sums.
    /// </summary>
    public sealed class TernaryProductPlan
    {
        public TernaryProductPlan(int rows, int columns, int groupSize, IReadOnlyList<SharedSum> sharedSums,
            IReadOnlyList<SignedOperand[]> rowTerms, long nonZeros, long additionsBefore)
        {
            Rows = rows;
            Columns = columns;
            GroupSize = groupSize;
            SharedSums = sharedSums;
            RowTerms = rowTerms;
            NonZeros = nonZeros;
            AdditionsBefore = additionsBefore;
            long after = sharedSums.Count;
            foreach (var row in rowTerms)
            {
                if (row.Length > 1)
                {
                    after += row.Length - 1;
                }
            }
            AdditionsAfter = after;
        }

        /// <summary>The plain row sums' counts of <paramref name="w"/> and nothing to write out: the
        /// product of a layer that is not unrolled (zero counts when its weights are not at hand).</summary>
        public static TernaryProductPlan Counts(TernaryMatrix w)
        {
            long nonZeros = 0, before = 0;
            if (w.External == null)
            {
                var trits = w.PackedTrits;
                for (int n = 0; n < w.Rows; n++)
                {
                    long row = 0;
                    for (long j = (long)n * w.Columns, end = j + w.Columns; j < end; j++)
                    {
                        if (((trits[j >> 2] >> (int)(2 * (j & 3))) & 3) != 0)
                        {
                            row++;
                        }
                    }
                    nonZeros += row;
                    before += System.Math.Max(0, row - 1);
                }
            }
            return new TernaryProductPlan(w.Rows, w.Columns, 1, new List<SharedSum>(), new List<SignedOperand[]>(), nonZeros, before);
        }

        public int Rows { get; }
        public int Columns { get; }
        /// <summary>Columns per sharing group; 1 means no sharing.</summary>
        public int GroupSize { get; }
        /// <summary>In dependency order: each reads only inputs and earlier sums.</summary>
        public IReadOnlyList<SharedSum> SharedSums { get; }
        public IReadOnlyList<SignedOperand[]> RowTerms { get; }
        public long NonZeros { get; }
        /// <summary>Binary additions and subtractions of the plain row sums: per row, non-zeros - 1.</summary>
        public long AdditionsBefore { get; }
        /// <summary>Binary additions and subtractions of this plan: shared sums plus per row, terms - 1.</summary>
        public long AdditionsAfter { get; }

        public long Terms
        {
            get
            {
                long t = 0;
                foreach (var row in RowTerms) t += row.Length;
                return t;
            }
        }
    }
}
