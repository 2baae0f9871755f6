using System;
using MatMulFree.Compiler.Model;

namespace MatMulFree.Runtime.Kernels
{
    /// <summary>
    /// A ternary matrix packed at 2 bits per weight as two bit planes: for each
    /// row and each block of 64 columns, a 64-bit mask of the +1 weights and one
    /// of the -1 weights (column 64b + c at bit 8 * (c % 8) + c / 8, see
    /// TernaryMatrix.ToBitPlanes; bits past the last column are 0).
    /// The kernels turn a plane into byte masks in registers and add the selected
    /// activations; they never multiply. Per row, the constant 128 * (plus count -
    /// minus count) is kept to undo the +128 bias the unsigned byte sums need.
    /// </summary>
    public sealed class PackedTernaryWeights
    {
        public const int BlockColumns = 64;

        public PackedTernaryWeights(TernaryMatrix matrix)
            : this(matrix.Rows, matrix.Columns, matrix.Beta, matrix.ToBitPlanes())
        {
        }

        /// <summary>
        /// From bit planes computed ahead of time (the generated models' constant data):
        /// [row][block][plus, minus], as <see cref="Planes"/> documents.
        /// </summary>
        public PackedTernaryWeights(int rows, int columns, float beta, ReadOnlySpan<ulong> planes)
            : this(rows, columns, beta, planes.ToArray())
        {
        }

        /// <summary>Takes <paramref name="planes"/> as its own (no copy: a 370M model's planes are 85 MB).</summary>
        private PackedTernaryWeights(int rows, int columns, float beta, ulong[] planes)
        {
            Rows = rows;
            Columns = columns;
            Blocks = (columns + BlockColumns - 1) / BlockColumns;
            Beta = beta;
            if (planes.Length != (long)rows * Blocks * 2)
            {
                throw new ArgumentException($"{rows} x {columns} needs {(long)rows * Blocks * 2} plane words, got {planes.Length}");
            }
            Planes = planes;
            Bias = new int[rows];
            for (int n = 0; n < rows; n++)
            {
                int balance = 0;
                for (int b = 0; b < Blocks; b++)
                {
                    long at = ((long)n * Blocks + b) * 2;
                    balance += System.Numerics.BitOperations.PopCount(Planes[at]) - System.Numerics.BitOperations.PopCount(Planes[at + 1]);
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
