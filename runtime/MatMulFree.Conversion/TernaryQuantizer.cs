using System;
using MatMulFree.Model;

namespace MatMulFree.Conversion
{
    /// <summary>
    /// docs/model.md step 3, applied once to a full-precision checkpoint weight:
    /// beta = max(mean |W|, 1e-5), t = clamp(round_half_to_even(W / beta), -1, 1).
    /// The mean is summed in float64 and rounded once to float32; W / beta is a
    /// float32 division, as in the reference. Never apply it to a tensor that is
    /// already ternary (it would shrink the layer by its non-zero fraction).
    /// </summary>
    public static class TernaryQuantizer
    {
        public const float MinBeta = 1e-5f;

        public static TernaryMatrix Quantize(float[] weight, int rows, int columns)
        {
            if ((long)rows * columns != weight.LongLength)
            {
                throw new ArgumentException($"{weight.LongLength} values cannot be a [{rows}, {columns}] matrix", nameof(weight));
            }
            double sum = 0;
            foreach (float w in weight)
            {
                sum += Math.Abs(w);
            }
            float beta = Math.Max((float)(sum / weight.LongLength), MinBeta);
            var packed = new byte[TernaryMatrix.PackedLength(weight.LongLength)];
            for (long k = 0; k < weight.LongLength; k++)
            {
                float q = MathF.Round(weight[k] / beta, MidpointRounding.ToEven);
                int code = q >= 1f ? 1 : q <= -1f ? 2 : 0; // trit codes: 0 zero, 1 plus, 2 minus
                packed[k >> 2] |= (byte)(code << (int)(2 * (k & 3)));
            }
            return new TernaryMatrix(rows, columns, beta, packed);
        }
    }
}
