using System;
using MatMulFree.Compiler.Numerics;

namespace MatMulFree.Runtime.Kernels
{
    /// <summary>
    /// The element-wise part of the MLGRU (docs/numerics.md), shared by the
    /// generic model and the generated ones so both compute the same bits.
    /// </summary>
    public static class MlgruCell
    {
        /// <summary>
        /// f = sigmoid(fz), bounded by lb when given (layers after the first);
        /// c = silu(i) * (1 - f); h = f * h + c.
        /// </summary>
        public static void UpdateState(ReadOnlySpan<float> i, ReadOnlySpan<float> fz, ReadOnlySpan<float> lowerBound, Span<float> h)
        {
            bool bounded = !lowerBound.IsEmpty;
            for (int k = 0; k < h.Length; k++)
            {
                float f = PortableMath.Sigmoid(fz[k]);
                if (bounded)
                {
                    float lb = lowerBound[k];
                    f = lb + (1f - lb) * f;
                }
                float c = PortableMath.Silu(i[k]) * (1f - f);
                h[k] = f * h[k] + c;
            }
        }

        /// <summary>o = ((g * rg) * gNorm) * (h * sigmoid(h)): the RMS-normed output gate times swish of the state.</summary>
        public static void GateOutput(ReadOnlySpan<float> g, float rg, ReadOnlySpan<float> gNorm, ReadOnlySpan<float> h, Span<float> o)
        {
            for (int k = 0; k < o.Length; k++)
            {
                float swish = h[k] * PortableMath.Sigmoid(h[k]);
                o[k] = g[k] * rg * gNorm[k] * swish;
            }
        }
    }

    /// <summary>The element-wise part of the GLU: u_j = silu(z_j) * z_{I+j}.</summary>
    public static class GluCell
    {
        public static void Combine(ReadOnlySpan<float> z, Span<float> u)
        {
            int width = u.Length;
            for (int j = 0; j < width; j++)
            {
                u[j] = PortableMath.Silu(z[j]) * z[width + j];
            }
        }
    }

    /// <summary>x += y, the residual connection.</summary>
    public static class Residual
    {
        public static void Add(Span<float> x, ReadOnlySpan<float> y)
        {
            for (int k = 0; k < x.Length; k++)
            {
                x[k] += y[k];
            }
        }
    }

    /// <summary>BitLinear step 5: out_n = (float)acc_n * (beta / s).</summary>
    public static class Dequantizer
    {
        public static void Apply(ReadOnlySpan<int> acc, float beta, float s, Span<float> y)
        {
            float scale = beta / s;
            for (int n = 0; n < acc.Length; n++)
            {
                y[n] = acc[n] * scale;
            }
        }
    }
}
