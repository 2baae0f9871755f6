namespace MatMulFree.Compiler.Model
{
    /// <summary>
    /// A ternary weight matrix W[Rows, Columns] with entries in {-1, 0, +1} and
    /// its scale beta (MODEL.md, BitLinear step 3). Stored as in the manifest:
    /// 2-bit codes, row-major, four per byte, element j in bits 2*(j%4) of byte
    /// j/4; code 0 = 0, 1 = +1, 2 = -1 (3 never occurs once validated).
    /// </summary>
    public sealed class TernaryMatrix
    {
        public TernaryMatrix(int rows, int columns, float beta, byte[] packedTrits)
        {
            Rows = rows;
            Columns = columns;
            Beta = beta;
            _packedTrits = packedTrits;
        }

        /// <summary>A matrix whose trits stay in the external weights file (deferred
        /// reading, <see cref="Manifest.DeferExternalWeights"/>): shape and beta only;
        /// every method that needs the weights throws.</summary>
        public TernaryMatrix(int rows, int columns, float beta, Manifest.ExternalRange external)
            : this(rows, columns, beta, System.Array.Empty<byte>())
        {
            External = external;
        }

        /// <summary>Set when the weights were not read: where they are in the weights file.</summary>
        public Manifest.ExternalRange? External { get; }

        public int Rows { get; }
        public int Columns { get; }
        public float Beta { get; }
        public byte[] PackedTrits => External == null ? _packedTrits : throw NotLoaded();

        private readonly byte[] _packedTrits;

        private System.InvalidOperationException NotLoaded() =>
            new System.InvalidOperationException($"the weights of this {Rows} x {Columns} matrix are in the external weights file and were not read");

        public static int PackedLength(long elements) => (int)((elements + 3) / 4);

        /// <summary>The first element whose 2-bit code is invalid (3, or a non-zero padding
        /// bit after the last element), or -1 when every code is valid.</summary>
        public static long FirstInvalidCode(byte[] packedTrits, long elements)
        {
            // Whole bytes of elements first, a byte at a time: a code is 3 when both its bits are set.
            long start = 0;
            for (; start + 4 <= elements && start < (long)packedTrits.Length * 4; start += 4)
            {
                int b = packedTrits[start >> 2];
                if ((b & (b >> 1) & 0x55) != 0)
                {
                    break;
                }
            }
            for (long j = start; j < (long)packedTrits.Length * 4; j++)
            {
                int code = (packedTrits[j >> 2] >> (int)(2 * (j & 3))) & 3;
                if ((j < elements && code == 3) || (j >= elements && code != 0))
                {
                    return j;
                }
            }
            return -1;
        }

        public int this[int row, int column]
        {
            get
            {
                long j = (long)row * Columns + column;
                int code = (PackedTrits[j >> 2] >> (int)(2 * (j & 3))) & 3;
                return code == 1 ? 1 : code == 2 ? -1 : 0;
            }
        }

        /// <summary>The matrix as one signed byte per weight, row-major.</summary>
        public sbyte[] ToSignedBytes()
        {
            var result = new sbyte[(long)Rows * Columns];
            for (long j = 0; j < result.LongLength; j++)
            {
                int code = (PackedTrits[j >> 2] >> (int)(2 * (j & 3))) & 3;
                result[j] = (sbyte)(code == 1 ? 1 : code == 2 ? -1 : 0);
            }
            return result;
        }

        /// <summary>Rows per block of the pair-code layout (one byte lane per row in a 512-bit vector).</summary>
        public const int PairCodeBlockRows = 64;

        /// <summary>The code of a pair of zero weights: (0 + 1) + 3 * (0 + 1).</summary>
        public const byte ZeroPairCode = 4;

        /// <summary>Groups of 4 columns in the pair-code layout: rounded up to an even count, so that
        /// kernels can sum two groups in one byte before widening.</summary>
        public static int PairCodeGroups(int columns) => 2 * ((columns + 7) / 8);

        /// <summary>Bytes of the pair-code layout of a rows x columns matrix (rows rounded up to whole blocks).</summary>
        public static long PairCodeLength(int rows, int columns) =>
            (long)((rows + PairCodeBlockRows - 1) / PairCodeBlockRows) * PairCodeGroups(columns) * PairCodeBlockRows;

        /// <summary>Where the byte of <paramref name="row"/> and group 0 stands in the pair-code layout;
        /// group g's is <see cref="PairCodeBlockRows"/> * g further.</summary>
        public static long PairCodeOffset(int row, int columns) =>
            (long)(row / PairCodeBlockRows) * PairCodeGroups(columns) * PairCodeBlockRows + row % PairCodeBlockRows;

        /// <summary>
        /// The matrix as pair codes, the layout of the packed kernel
        /// (MatMulFree.Runtime.Kernels.PackedTernaryWeights): for each block of 64 rows, each
        /// group of 4 columns and each row of the block, one byte whose low nibble codes
        /// columns 4g and 4g + 1 and whose high nibble codes 4g + 2 and 4g + 3, a pair
        /// (t0, t1) as (t0 + 1) + 3 (t1 + 1), 0..8. Bytes run [row block][group][row], so
        /// that one vector load holds the same group of consecutive rows; rows and columns
        /// past the matrix hold zero weights. 2 bits per weight, like 2-bit trits.
        /// </summary>
        public byte[] ToPairCodes()
        {
            var codes = new byte[PairCodeLength(Rows, Columns)];
            for (long i = 0; i < codes.LongLength; i++)
            {
                codes[i] = ZeroPairCode | ZeroPairCode << 4;
            }
            if (Columns % 4 == 0)
            {
                // Every group of 4 columns is one byte of trits: translate it whole.
                var trits = PackedTrits;
                var table = s_pairCodesOfTritByte;
                int groups = Columns / 4;
                for (int n = 0; n < Rows; n++)
                {
                    long rowBase = PairCodeOffset(n, Columns);
                    long from = (long)n * groups;
                    for (int g = 0; g < groups; g++)
                    {
                        codes[rowBase + (long)g * PairCodeBlockRows] = table[trits[from + g]];
                    }
                }
                return codes;
            }
            // A row's groups straddle bytes: gather each group's 4 trit codes (zero past the last
            // column) into a byte first.
            for (int n = 0; n < Rows; n++)
            {
                long rowBase = PairCodeOffset(n, Columns);
                for (int g = 0; g * 4 < Columns; g++)
                {
                    int tritByte = 0;
                    for (int j = 0; j < 4 && 4 * g + j < Columns; j++)
                    {
                        long e = (long)n * Columns + 4 * g + j;
                        tritByte |= ((PackedTrits[e >> 2] >> (int)(2 * (e & 3))) & 3) << (2 * j);
                    }
                    codes[rowBase + (long)g * PairCodeBlockRows] = s_pairCodesOfTritByte[tritByte];
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

        /// <summary>How many weights are not zero: the additions a naive kernel makes.</summary>
        public long CountNonZero()
        {
            long count = 0;
            long total = (long)Rows * Columns;
            for (long j = 0; j < total; j++)
            {
                if (((PackedTrits[j >> 2] >> (int)(2 * (j & 3))) & 3) != 0)
                {
                    count++;
                }
            }
            return count;
        }
    }
}
