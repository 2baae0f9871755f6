using System;
using MatMulFree.Model;

namespace MatMulFree.Runtime.Kernels
{
    /// <summary>
    /// A ternary matrix packed at 2 bits per weight as pair codes
    /// (<see cref="PairCodes.Of"/>): per block of 64 rows, group of 4
    /// columns and row, one byte holding two 9-valued pair codes. The kernels look up
    /// each code in a 16-entry table of the pair's partial sums (<see cref="PairSumTables"/>)
    /// and never multiply. Per row, the constant the tables' offsets and the +128 bias of
    /// the activations add is kept to remove it at the end.
    /// </summary>
    public sealed class PackedTernaryWeights
    {
        public const int BlockRows = PairCodes.BlockRows;

        public PackedTernaryWeights(TernaryMatrix matrix)
            : this(matrix.Rows, matrix.Columns, matrix.Beta, PairCodes.Of(matrix))
        {
        }

        /// <summary>
        /// From pair codes computed ahead of time (the generated models' constant data), in
        /// the layout <see cref="Codes"/> documents.
        /// </summary>
        public PackedTernaryWeights(int rows, int columns, float beta, ReadOnlySpan<byte> codes)
            : this(rows, columns, beta, codes.ToArray())
        {
        }

        /// <summary>Takes <paramref name="codes"/> as its own (no copy: a 370M model's codes are 85 MB).</summary>
        private PackedTernaryWeights(int rows, int columns, float beta, byte[] codes)
        {
            Rows = rows;
            Columns = columns;
            Groups = PairCodes.Groups(columns);
            RowBlocks = (rows + BlockRows - 1) / BlockRows;
            Beta = beta;
            long length = PairCodes.Length(rows, columns);
            if (codes.LongLength != length)
            {
                throw new ArgumentException($"{rows} x {columns} needs {length} pair-code bytes, got {codes.LongLength}");
            }
            Codes = codes;
            Bias = new int[rows];
            for (int n = 0; n < rows; n++)
            {
                int balance = 0;
                long at = PairCodes.Offset(n, columns);
                for (int g = 0; g < Groups; g++, at += BlockRows)
                {
                    int code = codes[at];
                    int b = s_balanceOfCode[code];
                    if (b == InvalidCode)
                    {
                        throw new ArgumentException($"pair code 0x{code:X2} of row {n}, group {g} is not two codes 0..8");
                    }
                    balance += b;
                }
                Bias[n] = BiasPerBalance * balance + PairSumTables.GroupOffset * Groups;
            }
        }

        private const sbyte InvalidCode = sbyte.MinValue;

        /// <summary>Per code byte, (number of +1) - (number of -1) of its 4 weights; <see cref="InvalidCode"/>
        /// when a nibble is not a pair code 0..8.</summary>
        private static readonly sbyte[] s_balanceOfCode = BalanceOfCodes();

        private static sbyte[] BalanceOfCodes()
        {
            var table = new sbyte[256];
            for (int code = 0; code < 256; code++)
            {
                int low = code & 0x0F, high = code >> 4;
                table[code] = low > 8 || high > 8 ? InvalidCode : (sbyte)(low % 3 + low / 3 + high % 3 + high / 3 - 4);
            }
            return table;
        }

        /// <summary>The activations are biased to u = q + 128; each +1 weight adds 128 too many, each -1 removes 128.</summary>
        private const int BiasPerBalance = 128;

        public int Rows { get; }
        public int Columns { get; }
        /// <summary>Groups of 4 columns (an even number).</summary>
        public int Groups { get; }
        /// <summary>Blocks of 64 rows.</summary>
        public int RowBlocks { get; }
        public float Beta { get; }
        /// <summary>[row block][group][row in block]: pair code of columns 4g, 4g+1 | pair code of 4g+2, 4g+3 &lt;&lt; 4.</summary>
        public byte[] Codes { get; }
        /// <summary>Per row, what the kernels' raw sums exceed W q by: 128 * (number of +1 - number of -1) + the tables' offsets.</summary>
        public int[] Bias { get; }

        /// <summary>Activations the kernels read: every group's 4 columns.</summary>
        public int PaddedColumns => Groups * 4;

        /// <summary>Bytes of weight data a product streams (the codes).</summary>
        public long WeightBytes => Codes.LongLength;
    }
}
