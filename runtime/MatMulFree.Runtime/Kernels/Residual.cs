using System;
using System.Numerics;
using static MatMulFree.Runtime.Kernels.PortableVectorMath;

namespace MatMulFree.Runtime.Kernels
{
    // Whole vectors, then the last few elements one at a time: each element gets the
    // same operation either way (MlgruCell.cs explains the rule).

    /// <summary>x += y, the residual connection.</summary>
    public static class Residual
    {
        public static void Add(Span<float> x, ReadOnlySpan<float> y)
        {
            int n = x.Length, k = 0;
            if (IsAccelerated)
            {
                for (; k <= n - Width; k += Width)
                {
                    (new Vector<float>(x.Slice(k)) + new Vector<float>(y.Slice(k))).CopyTo(x.Slice(k));
                }
            }
            for (; k < n; k++)
            {
                x[k] += y[k];
            }
        }
    }
}
