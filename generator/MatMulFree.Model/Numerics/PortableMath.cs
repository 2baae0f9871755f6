using System;

namespace MatMulFree.Model.Numerics
{
    /// <summary>
    /// The float32 functions of docs/numerics.md that every target computes with
    /// exactly these operations in exactly this order, so that C# and C agree bit
    /// for bit. MathF.Exp and C's expf are not used: their last bits differ
    /// between libraries and versions.
    /// </summary>
    public static class PortableMath
    {
        /// <summary>Above this exp overflows to +infinity.</summary>
        public const float ExpOverflow = 88.72283f;

        /// <summary>Below this (about ln FLT_MIN) exp returns 0: the project flushes
        /// results under the smallest normal float instead of computing subnormals.</summary>
        public const float ExpUnderflow = -87.33654f;

        public const float Log2E = 1.44269504f;
        // ln 2 split in two (Cody and Waite): Ln2Hi has 9 significant bits, so
        // k * Ln2Hi is exact for every |k| <= 128 and the reduction loses nothing.
        public const float Ln2Hi = 0.693359375f;
        public const float Ln2Lo = -2.12194440e-4f;

        /// <summary>1/k! for k = 2..7, the Taylor coefficients of e^r after 1 + r.</summary>
        public const float Taylor2 = 0.5f, Taylor3 = 0.16666667f, Taylor4 = 0.041666668f,
            Taylor5 = 0.008333334f, Taylor6 = 0.0013888889f, Taylor7 = 0.0001984127f;

        /// <summary>
        /// e^x in float32: x = k ln2 + r with |r| &lt;= ln2/2, e^r by its Taylor
        /// polynomial to degree 7 in Horner form, times 2^k built from bits.
        /// Within 2 ulp of the true value on the normal range.
        /// </summary>
        public static float Exp(float x)
        {
            if (float.IsNaN(x))
            {
                return x;
            }
            if (x > ExpOverflow)
            {
                return float.PositiveInfinity;
            }
            if (x < ExpUnderflow)
            {
                return 0f;
            }
            float kf = Floor(x * Log2E + 0.5f);
            float r = (x - kf * Ln2Hi) - kf * Ln2Lo;
            float p = 1f + r * (1f + r * (Taylor2 + r * (Taylor3 + r * (Taylor4
                + r * (Taylor5 + r * (Taylor6 + r * Taylor7))))));
            int k = (int)kf;
            if (k > 127)
            {
                // 2^128 is not a float: take one factor of 2 into p (exact).
                p *= 2f;
                k -= 1;
            }
            return p * PowerOfTwo(k);
        }

        /// <summary>1 / (1 + e^-z).</summary>
        public static float Sigmoid(float z) => 1f / (1f + Exp(-z));

        /// <summary>z * sigmoid(z), the SiLU (swish) activation.</summary>
        public static float Silu(float z) => z * Sigmoid(z);

        /// <summary>Round to the nearest integer, ties away from zero (C's roundf).</summary>
        public static float RoundHalfAwayFromZero(float v) =>
            (float)Math.Round((double)v, MidpointRounding.AwayFromZero);

        /// <summary>Correctly rounded float square root (a double sqrt rounded once to
        /// float is exact: double has more than 2 * 24 + 2 significant bits).</summary>
        public static float Sqrt(float v) => (float)Math.Sqrt(v);

        /// <summary>Largest integer not greater than v, exactly.</summary>
        public static float Floor(float v) => (float)Math.Floor(v);

        /// <summary>The IEEE-754 bit pattern of a float32.</summary>
        public static unsafe uint Bits(float f) => *(uint*)&f;

        /// <summary>2^k for -126 &lt;= k &lt;= 127, from its bit pattern.</summary>
        public static unsafe float PowerOfTwo(int k)
        {
            int bits = (k + 127) << 23;
            return *(float*)&bits;
        }
    }
}
