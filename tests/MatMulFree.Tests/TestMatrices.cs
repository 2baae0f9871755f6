using System;
using MatMulFree.Model;

namespace MatMulFree.Tests
{
    /// <summary>Ternary matrices for kernel, layout and planner tests.</summary>
    internal static class TestMatrices
    {
        /// <summary>A rows x columns matrix (beta 1) whose weight (n, k) is <paramref name="trit"/>(n, k).</summary>
        public static TernaryMatrix Matrix(int rows, int columns, Func<int, int, int> trit)
        {
            var packed = new byte[TernaryMatrix.PackedLength((long)rows * columns)];
            for (int n = 0; n < rows; n++)
            {
                for (int k = 0; k < columns; k++)
                {
                    long j = (long)n * columns + k;
                    int t = trit(n, k);
                    int code = t == 1 ? 1 : t == -1 ? 2 : 0;
                    packed[j / 4] |= (byte)(code << (int)(2 * (j % 4)));
                }
            }
            return new TernaryMatrix(rows, columns, 1f, packed);
        }
    }
}
