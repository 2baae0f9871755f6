using System;
using System.Numerics;
using System.Runtime.Intrinsics;
using static MatMulFree.Runtime.Kernels.PortableVectorMath;

namespace MatMulFree.Runtime.Kernels
{
    /// <summary>
    /// RMSNorm in the order docs/numerics.md fixes: the sum of squares in 16
    /// interleaved float32 lanes (element k goes to lane k mod 16) reduced by a
    /// fixed halving tree, so a 16-, 8- or 4-wide SIMD version and the C code can
    /// all reproduce it; then r = 1 / sqrt(sum / N + eps) and y = (x * r) * w.
    /// </summary>
    public static class RmsNorm
    {
        public const int Lanes = 16;

        /// <summary>r = 1 / sqrt(mean(x^2) + eps).</summary>
        public static float InverseRms(ReadOnlySpan<float> x, float eps)
        {
            Span<float> lane = stackalloc float[Lanes];
            lane.Clear();
            int k = 0;
            if (Vector128.IsHardwareAccelerated && x.Length >= Lanes)
            {
                // The 16 lanes as four 4-wide vectors: lane k mod 16 still sums its elements in order.
                Vector128<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (; k <= x.Length - Lanes; k += Lanes)
                {
                    var v0 = Vector128.Create(x.Slice(k, 4));
                    var v1 = Vector128.Create(x.Slice(k + 4, 4));
                    var v2 = Vector128.Create(x.Slice(k + 8, 4));
                    var v3 = Vector128.Create(x.Slice(k + 12, 4));
                    a0 += v0 * v0;
                    a1 += v1 * v1;
                    a2 += v2 * v2;
                    a3 += v3 * v3;
                }
                a0.CopyTo(lane);
                a1.CopyTo(lane.Slice(4));
                a2.CopyTo(lane.Slice(8));
                a3.CopyTo(lane.Slice(12));
            }
            for (; k < x.Length; k++)
            {
                float square = x[k] * x[k];
                lane[k & (Lanes - 1)] += square;
            }
            for (int width = Lanes / 2; width >= 1; width /= 2)
            {
                for (int j = 0; j < width; j++)
                {
                    lane[j] += lane[j + width];
                }
            }
            float mean = lane[0] / x.Length;
            return 1f / MathF.Sqrt(mean + eps);
        }

        /// <summary>y_k = (x_k * r) * w_k.</summary>
        public static void Apply(ReadOnlySpan<float> x, float r, ReadOnlySpan<float> w, Span<float> y)
        {
            int n = x.Length, k = 0;
            if (IsAccelerated)
            {
                var rv = new Vector<float>(r);
                for (; k <= n - Width; k += Width)
                {
                    (new Vector<float>(x.Slice(k)) * rv * new Vector<float>(w.Slice(k))).CopyTo(y.Slice(k));
                }
            }
            for (; k < n; k++)
            {
                y[k] = x[k] * r * w[k];
            }
        }
    }
}
