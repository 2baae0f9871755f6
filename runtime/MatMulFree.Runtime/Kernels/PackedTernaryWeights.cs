using System;
using MatMulFree.Compiler.Model;

namespace MatMulFree.Runtime.Kernels
{
    /// <summary>
    /// A ternary matrix packed at 2 bits per weight as two bit planes: for each
    /// row and each block of 64 columns, a 64-bit mask of the +1 weights and one
    /// of the -1 weights (bit j = column 64b + j; bits past the last column are 0).
    /// The kernels turn a plane into byte masks in registers and add the selected
    /// activations; they never multiply. Per row, the constant 128 * (plus count -
    /// minus count) is kept to undo the +128 bias the unsigned byte sums need.
    /// </summary>
    public sealed class PackedTernaryWeights
    {
        public const int BlockColumns = 64;

        public PackedTernaryWeights(TernaryMatrix matrix)
        {
            Rows = matrix.Rows;
            Columns = matrix.Columns;
            Blocks = (matrix.Columns + BlockColumns - 1) / BlockColumns;
            Beta = matrix.Beta;
            Planes = new ulong[(long)Rows * Blocks * 2];
            Bias = new int[Rows];
            for (int n = 0; n < Rows; n++)
            {
                int balance = 0;
                for (int k = 0; k < Columns; k++)
                {
                    int t = matrix[n, k];
                    if (t == 0)
                    {
                        continue;
                    }
                    long at = ((long)n * Blocks + k / BlockColumns) * 2 + (t > 0 ? 0 : 1);
                    Planes[at] |= 1UL << (k % BlockColumns);
                    balance += t;
                }
                Bias[n] = 128 * balance;
            }
        }

        public int Rows { get; }
        public int Columns { get; }
        /// <summary>Blocks of 64 columns per row.</summary>
        public int Blocks { get; }
        public float Beta { get; }
        /// <summary>[row][block][plus, minus] masks.</summary>
        public ulong[] Planes { get; }
        /// <summary>Per row, 128 * (number of +1 - number of -1).</summary>
        public int[] Bias { get; }

        /// <summary>Activations the kernels read: every block's 64 columns.</summary>
        public int PaddedColumns => Blocks * BlockColumns;

        /// <summary>Bytes of weight data a product streams (the planes).</summary>
        public long WeightBytes => Planes.LongLength * sizeof(ulong);
    }
}
