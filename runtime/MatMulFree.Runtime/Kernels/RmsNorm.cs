using System;

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
            for (int k = 0; k < x.Length; k++)
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
            for (int k = 0; k < x.Length; k++)
            {
                y[k] = x[k] * r * w[k];
            }
        }
    }
}
