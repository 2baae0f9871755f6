namespace MatMulFree.Model
{
    /// <summary>
    /// The packed kernel's weight layout, pair codes: the one description shared by the runtime
    /// (which builds it from a matrix or reads it from generated code) and the planner (which
    /// builds it for generated code).
    /// </summary>
    public static class PairCodes
    {
        /// <summary>Rows per block of the pair-code layout (one byte lane per row in a 512-bit vector).</summary>
        public const int BlockRows = 64;

        /// <summary>The code of a pair of zero weights: (0 + 1) + 3 * (0 + 1).</summary>
        public const byte ZeroCode = 4;

        /// <summary>Groups of 4 columns in the pair-code layout: rounded up to an even count, so that
        /// kernels can sum two groups in one byte before widening.</summary>
        public static int Groups(int columns) => 2 * ((columns + 7) / 8);

        /// <summary>Bytes of the pair-code layout of a rows x columns matrix (rows rounded up to whole blocks).</summary>
        public static long Length(int rows, int columns) =>
            (long)((rows + BlockRows - 1) / BlockRows) * Groups(columns) * BlockRows;

        /// <summary>Where the byte of <paramref name="row"/> and group 0 stands in the pair-code layout;
        /// group g's is <see cref="BlockRows"/> * g further.</summary>
        public static long Offset(int row, int columns) =>
            (long)(row / BlockRows) * Groups(columns) * BlockRows + row % BlockRows;

        /// <summary>
        /// The matrix as pair codes, the layout of the packed kernel
        /// (MatMulFree.Runtime.Kernels.PackedTernaryWeights, and the generated models' constant data): for each block of 64 rows, each
        /// group of 4 columns and each row of the block, one byte whose low nibble codes
        /// columns 4g and 4g + 1 and whose high nibble codes 4g + 2 and 4g + 3, a pair
        /// (t0, t1) as (t0 + 1) + 3 (t1 + 1), 0..8. Bytes run [row block][group][row], so
        /// that one vector load holds the same group of consecutive rows; rows and columns
        /// past the matrix hold zero weights. 2 bits per weight, like 2-bit trits.
        /// </summary>
        public static byte[] Of(TernaryMatrix matrix)
        {
            var codes = new byte[Length(matrix.Rows, matrix.Columns)];
            for (long i = 0; i < codes.LongLength; i++)
            {
                codes[i] = ZeroCode | ZeroCode << 4;
            }
            if (matrix.Columns % 4 == 0)
            {
                // Every group of 4 columns is one byte of trits: translate it whole.
                var trits = matrix.PackedTrits;
                var table = s_pairCodesOfTritByte;
                int groups = matrix.Columns / 4;
                for (int n = 0; n < matrix.Rows; n++)
                {
                    long rowBase = Offset(n, matrix.Columns);
                    long from = (long)n * groups;
                    for (int g = 0; g < groups; g++)
                    {
                        codes[rowBase + (long)g * BlockRows] = table[trits[from + g]];
                    }
                }
                return codes;
            }
            // A row's groups straddle bytes: gather each group's 4 trit codes (zero past the last
            // column) into a byte first.
            for (int n = 0; n < matrix.Rows; n++)
            {
                long rowBase = Offset(n, matrix.Columns);
                for (int g = 0; g * 4 < matrix.Columns; g++)
                {
                    int tritByte = 0;
                    for (int j = 0; j < 4 && 4 * g + j < matrix.Columns; j++)
                    {
                        long e = (long)n * matrix.Columns + 4 * g + j;
                        tritByte |= ((matrix.PackedTrits[e >> 2] >> (int)(2 * (e & 3))) & 3) << (2 * j);
                    }
                    codes[rowBase + (long)g * BlockRows] = s_pairCodesOfTritByte[tritByte];
                }
            }
            return codes;
        }

        /// <summary>The pair-code byte of each byte of 4 trits (an invalid code 3 read as 0, as the indexer reads it).</summary>
        private static readonly byte[] s_pairCodesOfTritByte = PairCodesOfTritBytes();

        private static byte[] PairCodesOfTritBytes()
        {
            var table = new byte[256];
            for (int b = 0; b < 256; b++)
            {
                int code = 0;
                for (int j = 0; j < 4; j++)
                {
                    int trit = (b >> (2 * j)) & 3;
                    int digit = (trit == 1 ? 1 : trit == 2 ? -1 : 0) + 1;
                    code += digit * (j % 2 == 0 ? 1 : 3) << (j < 2 ? 0 : 4);
                }
                table[b] = (byte)code;
            }
            return table;
        }

    }
}
