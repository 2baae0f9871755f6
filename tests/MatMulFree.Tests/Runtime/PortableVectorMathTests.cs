using System;
using System.Collections.Generic;
using System.Numerics;
using MatMulFree.Model.Numerics;
using MatMulFree.Runtime.Kernels;
using Xunit;

namespace MatMulFree.Tests.Runtime
{
    /// <summary>
    /// The vectorized element-wise code must give the bits of the scalar code of
    /// docs/numerics.md (PortableMath, which CrossLanguageNumericsTests holds equal to C):
    /// lane by lane for the functions, and for each loop, element by element against the
    /// formula written out here with PortableMath, at lengths that put elements both in
    /// whole vectors and in the scalar tail. CI runs these again with AVX2 off (4-wide vectors).
    /// NaNs compare equal whatever their sign and payload.
    /// </summary>
    public sealed class PortableVectorMathTests
    {
        private static float[] Inputs(int count, int seed)
        {
            var random = new Random(seed);
            var list = new List<float>
            {
                0f, -0f, 1f, -1f, 0.5f, -0.5f, PortableMath.ExpOverflow, BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(PortableMath.ExpOverflow) + 1),
                88.72283f, 88.7228f, 88.5f, 88.4f, 88.37626f, 88.376266f, PortableMath.ExpUnderflow, -87.3365f, -87.33655f, -87.4f, -103f, 103f,
                1e-30f, -1e-30f, 1e-45f, -1e-45f, float.MaxValue, float.MinValue, float.Epsilon,
                float.PositiveInfinity, float.NegativeInfinity, float.NaN, BitConverter.Int32BitsToSingle(unchecked((int)0xffc12345)),
            };
            while (list.Count < count)
            {
                list.Add((list.Count % 3) switch
                {
                    0 => BitConverter.Int32BitsToSingle(random.Next(int.MinValue, int.MaxValue)), // any float at all
                    1 => (float)(random.NextDouble() * 200 - 100),
                    _ => (float)(random.NextDouble() * 16 - 8),
                });
            }
            return list.ToArray();
        }

        private static void AssertSameBits(float expected, float actual, string what, float input)
        {
            // A NaN is any NaN, as in CrossLanguageNumericsTests: which operand's sign and payload an
            // x86 operation passes on depends on the operand order the compiler picked.
            bool same = BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual)
                || (float.IsNaN(expected) && float.IsNaN(actual));
            if (!same)
            {
                Assert.Fail($"{what}({input:R} = 0x{BitConverter.SingleToInt32Bits(input):x8}): scalar {expected:R} (0x{BitConverter.SingleToInt32Bits(expected):x8}), vector {actual:R} (0x{BitConverter.SingleToInt32Bits(actual):x8})");
            }
        }

        private static void LaneByLane(Func<Vector<float>, Vector<float>> vector, Func<float, float> scalar, string what, float[] inputs)
        {
            int w = Vector<float>.Count;
            var lanes = new float[w];
            for (int start = 0; start < inputs.Length; start += w)
            {
                for (int j = 0; j < w; j++) lanes[j] = inputs[(start + j) % inputs.Length];
                var result = vector(new Vector<float>(lanes));
                for (int j = 0; j < w; j++) AssertSameBits(scalar(lanes[j]), result[j], what, lanes[j]);
            }
        }

        [Fact]
        public void Exp_sigmoid_and_silu_give_the_scalar_bits_in_every_lane()
        {
            var inputs = Inputs(300_000, 1);
            LaneByLane(PortableVectorMath.Exp, PortableMath.Exp, "Exp", inputs);
            LaneByLane(PortableVectorMath.Sigmoid, PortableMath.Sigmoid, "Sigmoid", inputs);
            LaneByLane(PortableVectorMath.Silu, PortableMath.Silu, "Silu", inputs);
        }

        [Fact]
        public void Exp_near_the_overflow_bound_takes_the_extra_factor_of_two_in_its_lane_only()
        {
            // x in (88.38, 88.72]: k = 128 there, and 2^128 is not a float. Mixed with ordinary lanes.
            var inputs = new List<float>();
            for (float x = 88.3f; x <= PortableMath.ExpOverflow; x = MathF.BitIncrement(x)) inputs.Add(x);
            for (int k = inputs.Count - 1; k >= 0; k -= 3) inputs.Insert(k, 1.5f);
            LaneByLane(PortableVectorMath.Exp, PortableMath.Exp, "Exp", inputs.ToArray());
            Assert.True(float.IsFinite(PortableVectorMath.Exp(new Vector<float>(PortableMath.ExpOverflow))[0]));
        }

        [Fact]
        public void Rounds_half_away_from_zero_like_the_scalar_code_below_two_to_the_23()
        {
            var random = new Random(2);
            var inputs = new List<float> { 0f, -0f, 0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f, 126.5f, -126.5f, 127.49999f, 0.49999997f, -0.49999997f, 8388607.5f, -8388607.5f };
            for (int k = 0; k < 100_000; k++)
            {
                float tie = random.Next(-300, 300) + 0.5f;
                inputs.Add(tie);
                inputs.Add(MathF.BitIncrement(tie));
                inputs.Add(MathF.BitDecrement(tie));
                inputs.Add((float)(random.NextDouble() * 2 - 1) * (1 << random.Next(0, 23)));
            }
            LaneByLane(PortableVectorMath.RoundHalfAwayFromZeroSmall, PortableMath.RoundHalfAwayFromZero, "Round", inputs.ToArray());
        }

        /// <summary>Lengths around the vector widths (tails of every size) and a layer's width.</summary>
        public static IEnumerable<object[]> Lengths()
        {
            foreach (int n in new[] { 1, 3, 4, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 127, 129, 1000, 1024 })
            {
                yield return new object[] { n };
            }
        }

        private static float[] Values(int n, int seed, float scale)
        {
            var random = new Random(seed);
            var v = new float[n];
            for (int k = 0; k < n; k++) v[k] = (float)(random.NextDouble() * 2 - 1) * scale;
            return v;
        }

        [Theory]
        [MemberData(nameof(Lengths))]
        public void Mlgru_and_glu_cells_give_the_bits_of_the_formula_element_by_element(int n)
        {
            var i = Values(n, 3, 12f);
            var fz = Values(n, 4, 12f);
            var g = Values(n, 5, 3f);
            var gNorm = Values(n, 6, 2f);
            var lb = Values(n, 7, 0.5f);
            var h = Values(n, 8, 4f);
            if (n > 2)
            {
                fz[1] = 200f; // sigmoid saturates: Exp(-200) underflows to 0
                i[2] = -200f; // Exp(200) overflows: silu gives -0
                h[n - 1] = float.NaN;
            }
            foreach (bool bounded in new[] { false, true })
            {
                var expected = (float[])h.Clone();
                for (int k = 0; k < n; k++)
                {
                    float f = PortableMath.Sigmoid(fz[k]);
                    if (bounded) f = lb[k] + (1f - lb[k]) * f;
                    expected[k] = f * expected[k] + PortableMath.Silu(i[k]) * (1f - f);
                }
                var actual = (float[])h.Clone();
                MlgruCell.UpdateState(i, fz, bounded ? lb : ReadOnlySpan<float>.Empty, actual);
                for (int k = 0; k < n; k++) AssertSameBits(expected[k], actual[k], "UpdateState", h[k]);
            }

            var o = new float[n];
            MlgruCell.GateOutput(g, 0.73f, gNorm, h, o);
            for (int k = 0; k < n; k++) AssertSameBits(g[k] * 0.73f * gNorm[k] * (h[k] * PortableMath.Sigmoid(h[k])), o[k], "GateOutput", h[k]);

            var z = Values(2 * n, 9, 12f);
            var u = new float[n];
            GluCell.Combine(z, u);
            for (int k = 0; k < n; k++) AssertSameBits(PortableMath.Silu(z[k]) * z[n + k], u[k], "Combine", z[k]);
        }

        [Theory]
        [MemberData(nameof(Lengths))]
        public void Norm_residual_and_dequantizer_give_the_bits_of_the_formula(int n)
        {
            var x = Values(n, 10, 5f);
            var w = Values(n, 11, 2f);
            var y = new float[n];
            RmsNorm.Apply(x, 0.37f, w, y);
            for (int k = 0; k < n; k++) AssertSameBits(x[k] * 0.37f * w[k], y[k], "RmsNorm.Apply", x[k]);

            var sum = (float[])x.Clone();
            Residual.Add(sum, w);
            for (int k = 0; k < n; k++) AssertSameBits(x[k] + w[k], sum[k], "Residual.Add", x[k]);

            var random = new Random(12);
            var acc = new int[n];
            for (int k = 0; k < n; k++) acc[k] = random.Next(-(1 << 26), 1 << 26); // past 2^24: int -> float rounds
            Dequantizer.Apply(acc, 0.021f, 3.7f, y);
            float scale = 0.021f / 3.7f;
            for (int k = 0; k < n; k++) AssertSameBits(acc[k] * scale, y[k], "Dequantizer", acc[k]);

            // The 16 lanes and halving tree of docs/numerics.md, written out.
            var lanes = new float[RmsNorm.Lanes];
            for (int k = 0; k < n; k++) lanes[k % RmsNorm.Lanes] += x[k] * x[k];
            for (int width = RmsNorm.Lanes / 2; width >= 1; width /= 2)
                for (int j = 0; j < width; j++) lanes[j] += lanes[j + width];
            AssertSameBits(1f / MathF.Sqrt(lanes[0] / n + 1e-6f), RmsNorm.InverseRms(x, 1e-6f), "InverseRms", n);
        }

        /// <summary>Quantization written out from docs/numerics.md with PortableMath.</summary>
        private static (float Scale, sbyte[] Q) QuantizeFormula(float[] x, float r, float[] g)
        {
            float absMax = 0f;
            for (int k = 0; k < x.Length; k++) absMax = MathF.Max(absMax, MathF.Abs(x[k] * r * g[k]));
            float s = 127f / MathF.Max(absMax, 1e-5f);
            var q = new sbyte[x.Length];
            for (int k = 0; k < x.Length; k++) q[k] = (sbyte)Math.Clamp(PortableMath.RoundHalfAwayFromZero(x[k] * r * g[k] * s), -128f, 127f);
            return (s, q);
        }

        [Theory]
        [MemberData(nameof(Lengths))]
        public void Quantizer_gives_the_scale_and_codes_of_the_formula(int n)
        {
            var g = Values(n, 13, 2f);
            var cases = new List<float[]> { Values(n, 14, 3f), new float[n] };
            // Exact ties: amax 254 gives s = 0.5, so odd integers land on .5.
            var ties = new float[n];
            for (int k = 0; k < n; k++) ties[k] = k == 0 ? 254f : (k % 2 == 0 ? -1f : 1f) * (2 * (k % 127) + 1);
            cases.Add(ties);
            foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
            {
                foreach (int at in new[] { 0, n - 1 }) // in a whole vector, in the tail
                {
                    var v = Values(n, 15, 3f);
                    v[at] = bad;
                    cases.Add(v);
                }
            }
            foreach (var x in cases)
            {
                var gs = ReferenceEquals(x, ties) ? Ones(n) : g;
                var (scale, expected) = QuantizeFormula(x, 0.9f, gs);
                var q = new sbyte[n + 5];
                float s = ActivationQuantizer.Quantize(x, 0.9f, gs, q);
                AssertSameBits(scale, s, "Quantize scale", n);
                Assert.Equal(expected, q[..n]);
                Assert.All(q[n..], b => Assert.Equal(0, b)); // nothing written past N
            }
        }

        private static float[] Ones(int n)
        {
            var ones = new float[n];
            Array.Fill(ones, 1f);
            return ones;
        }
    }
}
