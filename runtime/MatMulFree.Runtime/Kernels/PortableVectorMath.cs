using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using MatMulFree.Model.Numerics;

namespace MatMulFree.Runtime.Kernels
{
    /// <summary>
    /// <see cref="PortableMath"/> on <see cref="Vector{T}"/> lanes: every lane performs the
    /// same float32 operations, in the same order, as the scalar function does on one
    /// value, so the results are the same bits (the element-wise loops of the runtime and
    /// of generated models then still agree with the HLS-C). Vector multiply, add, divide,
    /// floor and int/float conversion round exactly as their scalar forms; RyuJIT does not
    /// fuse a separate multiply and add. Lanes the scalar code sends down another branch
    /// (NaN, overflow, underflow, 2^128) are computed both ways and selected.
    /// Tested lane by lane against PortableMath (PortableVectorMathTests).
    /// </summary>
    public static class PortableVectorMath
    {
        /// <summary>Use the vector loops: Vector{T} is hardware accelerated (otherwise it is emulated, slower than the scalar loop).</summary>
        public static bool IsAccelerated => Vector.IsHardwareAccelerated;

        /// <summary>Lanes per vector of floats.</summary>
        public static int Width => Vector<float>.Count;

        /// <summary><see cref="PortableMath.Exp"/> in every lane.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<float> Exp(Vector<float> x)
        {
            var kf = Vector.Floor(x * new Vector<float>(PortableMath.Log2E) + new Vector<float>(0.5f));
            var r = (x - kf * new Vector<float>(PortableMath.Ln2Hi)) - kf * new Vector<float>(PortableMath.Ln2Lo);
            var p = Vector<float>.One + r * (Vector<float>.One + r * (new Vector<float>(PortableMath.Taylor2) + r * (new Vector<float>(PortableMath.Taylor3)
                + r * (new Vector<float>(PortableMath.Taylor4) + r * (new Vector<float>(PortableMath.Taylor5)
                + r * (new Vector<float>(PortableMath.Taylor6) + r * new Vector<float>(PortableMath.Taylor7)))))));
            var k = Vector.ConvertToInt32(kf);
            // k = 128 (x just under the overflow bound): one factor of 2 into p, as the scalar code does.
            var twoToThe128 = Vector.GreaterThan(k, new Vector<int>(127));
            p = Vector.ConditionalSelect(Vector.AsVectorSingle(twoToThe128), p * new Vector<float>(2f), p);
            k += twoToThe128; // -1 in those lanes
            var powerOfTwo = Vector.AsVectorSingle(Vector.ShiftLeft(k + new Vector<int>(127), 23));
            var e = p * powerOfTwo;
            e = Vector.ConditionalSelect(Vector.LessThan(x, new Vector<float>(PortableMath.ExpUnderflow)), Vector<float>.Zero, e);
            e = Vector.ConditionalSelect(Vector.GreaterThan(x, new Vector<float>(PortableMath.ExpOverflow)), new Vector<float>(float.PositiveInfinity), e);
            return Vector.ConditionalSelect(Vector.Equals(x, x), e, x); // NaN in, the same NaN out
        }

        /// <summary><see cref="PortableMath.Sigmoid"/> in every lane: 1 / (1 + e^-z).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<float> Sigmoid(Vector<float> z) => Vector<float>.One / (Vector<float>.One + Exp(-z));

        /// <summary><see cref="PortableMath.Silu"/> in every lane: z * sigmoid(z).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<float> Silu(Vector<float> z) => z * Sigmoid(z);

        /// <summary>
        /// <see cref="PortableMath.RoundHalfAwayFromZero"/> in every lane, for |v| &lt; 2^23 (every
        /// caller's range): |v| - floor(|v|) is exact there, so comparing it with 0.5 decides the
        /// tie exactly; the sign is put back afterwards. Larger or non-finite values are not handled.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<float> RoundHalfAwayFromZeroSmall(Vector<float> v)
        {
            var a = Vector.Abs(v);
            var whole = Vector.Floor(a);
            var up = Vector.GreaterThanOrEqual(a - whole, new Vector<float>(0.5f));
            var rounded = whole + Vector.ConditionalSelect(up, Vector<float>.One, Vector<float>.Zero);
            var sign = Vector.AsVectorInt32(v) & new Vector<int>(int.MinValue);
            return Vector.AsVectorSingle(Vector.AsVectorInt32(rounded) | sign);
        }
    }
}
