using System;
using System.Numerics;
using MatMulFree.Model.Numerics;
using static MatMulFree.Runtime.Kernels.PortableVectorMath;

namespace MatMulFree.Runtime.Kernels
{
    /// <summary>
    /// The BitLinear input path of docs/model.md steps 1-2 in docs/numerics.md order:
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
            int n = x.Length;
            if (IsAccelerated && n >= 4 * Width && g.Length >= n && q.Length >= n)
            {
                return QuantizeVectors(x, r, g, q);
            }
            float absMax = 0f;
            for (int k = 0; k < n; k++)
            {
                float y = x[k] * r * g[k];
                absMax = MathF.Max(absMax, MathF.Abs(y));
            }
            float s = 127f / MathF.Max(absMax, MinAbsMax);
            QuantizeElements(x, r, g, s, q, 0);
            return s;
        }

        private static void QuantizeElements(ReadOnlySpan<float> x, float r, ReadOnlySpan<float> g, float s, Span<sbyte> q, int start)
        {
            for (int k = start; k < x.Length; k++)
            {
                float y = x[k] * r * g[k];
                float v = PortableMath.RoundHalfAwayFromZero(y * s);
                q[k] = (sbyte)Math.Clamp(v, -128f, 127f);
            }
        }

        /// <summary>
        /// The same numbers a vector at a time. The maximum of finite values does not depend on
        /// their order; a NaN or infinite y (where MathF.Max and the vector maximum differ, and
        /// where y * s leaves the range of <see cref="PortableVectorMath.RoundHalfAwayFromZeroSmall"/>)
        /// sends the whole call to the scalar loops.
        /// </summary>
        private static float QuantizeVectors(ReadOnlySpan<float> x, float r, ReadOnlySpan<float> g, Span<sbyte> q)
        {
            int n = x.Length, k = 0;
            var rv = new Vector<float>(r);
            var max = Vector<float>.Zero;
            var finite = new Vector<int>(-1);
            var infinity = new Vector<float>(float.PositiveInfinity);
            for (; k <= n - Width; k += Width)
            {
                var a = Vector.Abs(new Vector<float>(x.Slice(k)) * rv * new Vector<float>(g.Slice(k)));
                max = Vector.Max(max, a);
                finite &= Vector.LessThan(a, infinity); // false for infinity and NaN
            }
            float absMax = 0f;
            for (int lane = 0; lane < Width; lane++)
            {
                absMax = MathF.Max(absMax, max[lane]);
            }
            for (int t = k; t < n; t++)
            {
                absMax = MathF.Max(absMax, MathF.Abs(x[t] * r * g[t]));
            }
            float s = 127f / MathF.Max(absMax, MinAbsMax);
            if (!Vector.EqualsAll(finite, new Vector<int>(-1)) || !float.IsFinite(absMax))
            {
                QuantizeElements(x, r, g, s, q, 0);
                return s;
            }
            var sv = new Vector<float>(s);
            var low = new Vector<float>(-128f);
            var high = new Vector<float>(127f);
            // |y * s| <= 127 + a rounding here, far inside RoundHalfAwayFromZeroSmall's range; four
            // vectors of int32 narrow to one of sbyte (values in [-128, 127], so narrowing is exact).
            k = 0;
            for (; k <= n - 4 * Width; k += 4 * Width)
            {
                var i0 = Rounded(x, g, rv, sv, low, high, k);
                var i1 = Rounded(x, g, rv, sv, low, high, k + Width);
                var i2 = Rounded(x, g, rv, sv, low, high, k + 2 * Width);
                var i3 = Rounded(x, g, rv, sv, low, high, k + 3 * Width);
                Vector.AsVectorSByte(Vector.Narrow(Vector.Narrow(i0, i1), Vector.Narrow(i2, i3))).CopyTo(q.Slice(k));
            }
            QuantizeElements(x, r, g, s, q, k);
            return s;
        }

        private static Vector<int> Rounded(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Vector<float> r, Vector<float> s,
            Vector<float> low, Vector<float> high, int k)
        {
            var y = new Vector<float>(x.Slice(k)) * r * new Vector<float>(g.Slice(k));
            var v = RoundHalfAwayFromZeroSmall(y * s);
            return Vector.ConvertToInt32(Vector.Min(Vector.Max(v, low), high));
        }
    }
}
