using System;
using System.Numerics;
using MatMulFree.Model.Numerics;
using static MatMulFree.Runtime.Kernels.PortableVectorMath;

namespace MatMulFree.Runtime.Kernels
{
    // The element-wise loops below run whole vectors with PortableVectorMath, then the
    // last few elements with PortableMath: each element gets the same operations either
    // way, so the bits do not depend on the vector width or on where an element falls.

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
            int n = h.Length, k = 0;
            if (IsAccelerated)
            {
                for (; k <= n - Width; k += Width)
                {
                    var f = Sigmoid(new Vector<float>(fz.Slice(k)));
                    if (bounded)
                    {
                        var lb = new Vector<float>(lowerBound.Slice(k));
                        f = lb + (Vector<float>.One - lb) * f;
                    }
                    var c = Silu(new Vector<float>(i.Slice(k))) * (Vector<float>.One - f);
                    (f * new Vector<float>(h.Slice(k)) + c).CopyTo(h.Slice(k));
                }
            }
            for (; k < n; k++)
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
            int n = o.Length, k = 0;
            if (IsAccelerated)
            {
                var r = new Vector<float>(rg);
                for (; k <= n - Width; k += Width)
                {
                    var hk = new Vector<float>(h.Slice(k));
                    var swish = hk * Sigmoid(hk);
                    (new Vector<float>(g.Slice(k)) * r * new Vector<float>(gNorm.Slice(k)) * swish).CopyTo(o.Slice(k));
                }
            }
            for (; k < n; k++)
            {
                float swish = h[k] * PortableMath.Sigmoid(h[k]);
                o[k] = g[k] * rg * gNorm[k] * swish;
            }
        }
    }
}
