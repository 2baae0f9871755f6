using System;
using MatMulFree.Model.Numerics;
using MatMulFree.Runtime.Kernels;
using Xunit;

namespace MatMulFree.Tests.Model
{
    /// <summary>docs/numerics.md's functions against hand-computed values and double precision.</summary>
    public sealed class NumericsTests
    {
        [Fact]
        public void Exp_is_within_two_ulp_of_the_true_value_on_the_normal_range()
        {
            double worstUlps = 0;
            for (float x = -87f; x <= 88.7f; x += 0.001373f)
            {
                double exact = Math.Exp(x);
                float got = PortableMath.Exp(x);
                double ulp = Math.Abs(BitConverter.SingleToInt32Bits(MathF.BitIncrement((float)exact)) - BitConverter.SingleToInt32Bits((float)exact)) == 1
                    ? MathF.BitIncrement((float)exact) - (float)exact
                    : double.Epsilon;
                worstUlps = Math.Max(worstUlps, Math.Abs(got - exact) / ulp);
            }
            Assert.True(worstUlps <= 2.0, $"worst error {worstUlps:F2} ulp");
        }

        [Fact]
        public void Exp_special_values()
        {
            Assert.Equal(1f, PortableMath.Exp(0f));
            Assert.Equal(float.PositiveInfinity, PortableMath.Exp(88.8f));
            Assert.Equal(0f, PortableMath.Exp(-87.4f));
            Assert.Equal(0f, PortableMath.Exp(float.NegativeInfinity));
            Assert.True(float.IsNaN(PortableMath.Exp(float.NaN)));
            // Just below the overflow bound k = 128 is handled without producing infinity.
            Assert.True(float.IsFinite(PortableMath.Exp(88.72283f)));
            Assert.Equal(0.5f, PortableMath.Sigmoid(0f));
            Assert.Equal(0f, PortableMath.Silu(0f));
        }

        [Theory]
        [InlineData(2.5f, 3f)]
        [InlineData(-2.5f, -3f)]
        [InlineData(0.5f, 1f)]
        [InlineData(-0.5f, -1f)]
        [InlineData(1.5f, 2f)]
        [InlineData(0.49999997f, 0f)] // 0.5 - 2^-25: adding 0.5 in float would round up to 1
        [InlineData(126.49999f, 126f)]
        public void Rounds_half_away_from_zero(float v, float expected) =>
            Assert.Equal(expected, PortableMath.RoundHalfAwayFromZero(v));

        [Theory]
        [InlineData((ushort)0x3C00, 1f)]
        [InlineData((ushort)0xC000, -2f)]
        [InlineData((ushort)0x7BFF, 65504f)]
        [InlineData((ushort)0x0001, 5.9604645e-8f)] // smallest subnormal, 2^-24
        [InlineData((ushort)0x0200, 3.0517578e-5f)] // subnormal 2^-15
        [InlineData((ushort)0x7C00, float.PositiveInfinity)]
        public void Widens_half_exactly(ushort bits, float expected) =>
            Assert.Equal(expected, HalfConversion.HalfToSingle(bits));

        [Fact]
        public void Widens_bfloat16_exactly()
        {
            Assert.Equal(1f, HalfConversion.BFloat16ToSingle(0x3F80));
            Assert.Equal(-1.5f, HalfConversion.BFloat16ToSingle(0xBFC0));
        }

        [Fact]
        public void Lower_bounds_of_equal_parameters_are_the_cumulative_thirds()
        {
            // Per channel: S = softmax([0, 0, 0]) = 1/3 each, lb = cumsum(S) - S[0] = [0, 1/3, 2/3].
            var lb = LowerBounds.Derive(new float[6], 3, 2);
            Assert.Equal(0f, lb[0]);
            Assert.Equal(0f, lb[1]);
            Assert.Equal(1f / 3f, lb[2], 6);
            Assert.Equal(2f / 3f, lb[4], 6);
            // Channel with P = [ln 1, ln 3, ln 4] over layers: S = [1/8, 3/8, 4/8], lb = [0, 3/8, 7/8].
            var p = new[] { 0f, 0f, MathF.Log(3f), 0f, MathF.Log(4f), 0f };
            var lb2 = LowerBounds.Derive(p, 3, 2);
            Assert.Equal(0f, lb2[0]);
            Assert.Equal(3f / 8f, lb2[2], 6);
            Assert.Equal(7f / 8f, lb2[4], 6);
        }

        [Fact]
        public void Rms_norm_of_a_hand_computed_vector()
        {
            // x = [3, 4]: mean square 12.5, r = 1/sqrt(12.5 + eps).
            float r = RmsNorm.InverseRms(new[] { 3f, 4f }, 0f);
            Assert.Equal(1f / MathF.Sqrt(12.5f), r);
            var y = new float[2];
            RmsNorm.Apply(new[] { 3f, 4f }, r, new[] { 2f, 0.5f }, y);
            Assert.Equal(3f * r * 2f, y[0]);
            Assert.Equal(4f * r * 0.5f, y[1]);
        }

        [Fact]
        public void Rms_norm_sums_in_sixteen_lanes_and_a_halving_tree()
        {
            // 1e8 in lane 0 and then 17 ones: lanes 0 and 1 get a one twice, lanes 2..15 once.
            // Sequentially 1e8^2 + 1 + ... would lose every one; the lane order keeps
            // the 16 ones of lanes 1..15 (and lane 1's second) together before they meet 1e16.
            var x = new float[18];
            x[0] = 1e8f;
            for (int k = 1; k < 18; k++) x[k] = 1f;
            var lanes = new float[16];
            for (int k = 0; k < 18; k++) lanes[k % 16] += x[k] * x[k];
            for (int w = 8; w >= 1; w /= 2)
                for (int j = 0; j < w; j++) lanes[j] += lanes[j + w];
            float expected = 1f / MathF.Sqrt(lanes[0] / 18f + 1e-6f);
            Assert.Equal(expected, RmsNorm.InverseRms(x, 1e-6f));
        }

        [Fact]
        public void Quantizes_activations_to_int8_with_ties_away_from_zero()
        {
            var q = new sbyte[3];
            // amax 2 -> s = 63.5: 1 -> 63.5 -> 64, -2 -> -127, 0.5 -> 31.75 -> 32.
            float s = ActivationQuantizer.Quantize(new[] { 1f, -2f, 0.5f }, 1f, new[] { 1f, 1f, 1f }, q);
            Assert.Equal(63.5f, s);
            Assert.Equal(new sbyte[] { 64, -127, 32 }, q);
            // amax 254 -> s = 0.5: the element 1 lands exactly on 0.5 and rounds to 1 (half to even would give 0).
            var q2 = new sbyte[2];
            ActivationQuantizer.Quantize(new[] { 254f, 1f }, 1f, new[] { 1f, 1f }, q2);
            Assert.Equal(new sbyte[] { 127, 1 }, q2);
            // All zeros: the scale uses the 1e-5 floor and every q is 0.
            var q3 = new sbyte[2];
            Assert.Equal(127f / 1e-5f, ActivationQuantizer.Quantize(new[] { 0f, 0f }, 1f, new[] { 1f, 1f }, q3));
            Assert.Equal(new sbyte[] { 0, 0 }, q3);
        }
    }
}
