using System;
using MatMulFree.Model;

namespace MatMulFree.Runtime.Kernels
{
    /// <summary>
    /// A ternary matrix in the generic runtime's kernel layout: one signed byte
    /// per weight (-1, 0, +1), row-major, each row padded with zero weights to
    /// <see cref="TernaryKernel.ColumnAlignment"/> columns so SIMD loads never
    /// need a tail loop. The padding weights are zero, so whatever the activation
    /// buffer holds past the real columns contributes nothing.
    /// </summary>
    public sealed class TernaryWeights
    {
        public TernaryWeights(TernaryMatrix matrix)
        {
            Rows = matrix.Rows;
            Columns = matrix.Columns;
            Stride = TernaryKernel.PaddedColumns(matrix.Columns);
            Beta = matrix.Beta;
            Data = new sbyte[(long)Rows * Stride];
            for (int n = 0; n < Rows; n++)
            {
                for (int k = 0; k < Columns; k++)
                {
                    Data[(long)n * Stride + k] = (sbyte)matrix[n, k];
                }
            }
        }

        public int Rows { get; }
        public int Columns { get; }
        /// <summary>Bytes from one row to the next (Columns rounded up).</summary>
        public int Stride { get; }
        public float Beta { get; }
        public sbyte[] Data { get; }

        public ReadOnlySpan<sbyte> Row(int n) => new ReadOnlySpan<sbyte>(Data, n * Stride, Stride);
    }
}
