using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace MatMulFree.Runtime.Kernels
{
    /// <summary>
    /// acc[n] = sum_k t[n,k] * q[k] for ternary t and int8 q (docs/model.md BitLinear
    /// step 4) with additions and subtractions only, over one signed byte per weight
    /// (<see cref="MatMulFree.Model.ProductForm.Rows"/>): the scalar reference, one weight at a
    /// time, and a Vector&lt;T&gt; version with masks and additions. Integer arithmetic is
    /// exact, so every implementation returns the same integers in any order.
    /// </summary>
    public static class TernaryKernel
    {
        /// <summary>Row padding in weights: a multiple of every SIMD width used (up to 512 bits).</summary>
        public const int ColumnAlignment = 64;

        public static int PaddedColumns(int columns) => (columns + ColumnAlignment - 1) / ColumnAlignment * ColumnAlignment;

        /// <summary>The reference on <see cref="KernelPath.Scalar"/>, the Vector&lt;T&gt; version on any other path.</summary>
        public static void Product(KernelPath path, TernaryWeights w, ReadOnlySpan<sbyte> q, Span<int> acc)
        {
            if (q.Length < w.Stride || acc.Length < w.Rows)
            {
                throw new ArgumentException("activation or accumulator buffer too short for this matrix");
            }
            if (path != KernelPath.Scalar)
            {
                SimdProduct(w, q, acc);
            }
            else
            {
                ScalarProduct(w, q, acc);
            }
        }

        /// <summary>The reference: read a trit, add, subtract or skip.</summary>
        public static void ScalarProduct(TernaryWeights w, ReadOnlySpan<sbyte> q, Span<int> acc)
        {
            for (int n = 0; n < w.Rows; n++)
            {
                var row = w.Row(n);
                int sum = 0;
                for (int k = 0; k < w.Columns; k++)
                {
                    int t = row[k];
                    if (t > 0)
                    {
                        sum += q[k];
                    }
                    else if (t < 0)
                    {
                        sum -= q[k];
                    }
                }
                acc[n] = sum;
            }
        }

        /// <summary>
        /// SIMD: per lane, (q AND [t = +1]) - (q AND [t = -1]) selects +q, -q or 0
        /// without a multiply; that stays in int8 because quantized activations
        /// lie in [-127, 127] (docs/numerics.md). Pairs of int8 lanes are widened
        /// and summed in int16 lanes, which hold at most 254 per vector step, so
        /// they are flushed into int32 lanes every 128 steps before they could
        /// overflow.
        /// </summary>
        public static void SimdProduct(TernaryWeights w, ReadOnlySpan<sbyte> q, Span<int> acc)
        {
            var qv = MemoryMarshal.Cast<sbyte, Vector<sbyte>>(q.Slice(0, w.Stride));
            var plusOne = Vector<sbyte>.One;
            var minusOne = -Vector<sbyte>.One;
            for (int n = 0; n < w.Rows; n++)
            {
                var tv = MemoryMarshal.Cast<sbyte, Vector<sbyte>>(w.Row(n));
                var total = Vector<int>.Zero;
                var partial = Vector<short>.Zero;
                int pending = 0;
                for (int j = 0; j < tv.Length; j++)
                {
                    var t = tv[j];
                    var x = qv[j];
                    var signed = (x & Vector.Equals(t, plusOne)) - (x & Vector.Equals(t, minusOne));
                    Vector.Widen(signed, out Vector<short> lo, out Vector<short> hi);
                    partial += lo + hi;
                    if (++pending == 128)
                    {
                        total += Flush(partial);
                        partial = Vector<short>.Zero;
                        pending = 0;
                    }
                }
                total += Flush(partial);
                acc[n] = Vector.Sum(total);
            }
        }

        private static Vector<int> Flush(Vector<short> partial)
        {
            Vector.Widen(partial, out Vector<int> lo, out Vector<int> hi);
            return lo + hi;
        }
    }
}
