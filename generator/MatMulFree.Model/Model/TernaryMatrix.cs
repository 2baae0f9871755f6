namespace MatMulFree.Model
{
    /// <summary>
    /// A ternary weight matrix W[Rows, Columns] with entries in {-1, 0, +1} and
    /// its scale beta (docs/model.md, BitLinear step 3). Stored as in the manifest:
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
        /// reading, <see cref="Manifest.DeferWeightsFile"/>): shape and beta only;
        /// every method that needs the weights throws.</summary>
        public TernaryMatrix(int rows, int columns, float beta, Manifest.WeightsFileRange external)
            : this(rows, columns, beta, System.Array.Empty<byte>())
        {
            External = external;
        }

        /// <summary>Set when the weights were not read: where they are in the weights file.</summary>
        public Manifest.WeightsFileRange? External { get; }

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
