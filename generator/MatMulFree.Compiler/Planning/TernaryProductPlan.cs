using System.Collections.Generic;

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
