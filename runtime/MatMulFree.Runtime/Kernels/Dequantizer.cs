using System;
using System.Numerics;
using static MatMulFree.Runtime.Kernels.PortableVectorMath;

namespace MatMulFree.Runtime.Kernels
{
    // Whole vectors, then the last few elements one at a time: each element gets the
    // same operation either way (MlgruCell.cs explains the rule).

    /// <summary>BitLinear step 5: out_n = (float)acc_n * (beta / s).</summary>
    public static class Dequantizer
    {
        public static void Apply(ReadOnlySpan<int> acc, float beta, float s, Span<float> y)
        {
            float scale = beta / s;
            int n = acc.Length, k = 0;
            if (IsAccelerated)
            {
                var v = new Vector<float>(scale);
                for (; k <= n - Width; k += Width)
                {
                    (Vector.ConvertToSingle(new Vector<int>(acc.Slice(k))) * v).CopyTo(y.Slice(k));
                }
            }
            for (; k < n; k++)
            {
                y[k] = acc[k] * scale;
            }
        }
    }
}
