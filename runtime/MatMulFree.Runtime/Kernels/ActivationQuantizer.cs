using System;
using MatMulFree.Compiler.Numerics;

namespace MatMulFree.Runtime.Kernels
{
    /// <summary>
    /// The BitLinear input path of MODEL.md steps 1-2 in docs/numerics.md order:
    /// y_k = (x_k * r) * g_k, s = 127 / max(max_k |y_k|, 1e-5),
    /// q_k = clamp(round_half_away_from_zero(y_k * s), -128, 127).
    /// Because |y_k| &lt;= max|y| the product y_k * s never exceeds 127 by more
    /// than two roundings, so q in fact lies in [-127, 127].
    /// </summary>
    public static class ActivationQuantizer
    {
        public const float MinAbsMax = 1e-5f;

        /// <summary>Writes q (length N) and returns the scale s.</summary>
        public static float Quantize(ReadOnlySpan<float> x, float r, ReadOnlySpan<float> g, Span<sbyte> q)
        {
            float absMax = 0f;
            for (int k = 0; k < x.Length; k++)
            {
                float y = x[k] * r * g[k];
                absMax = MathF.Max(absMax, MathF.Abs(y));
            }
            float s = 127f / MathF.Max(absMax, MinAbsMax);
            for (int k = 0; k < x.Length; k++)
            {
                float y = x[k] * r * g[k];
                float v = PortableMath.RoundHalfAwayFromZero(y * s);
                q[k] = (sbyte)Math.Clamp(v, -128f, 127f);
            }
            return s;
        }
    }
}
