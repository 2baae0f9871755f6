namespace MatMulFree.Model.Numerics
{
    /// <summary>Exact widening of 16-bit floats (IEEE half and bfloat16) to float32.</summary>
    public static class HalfConversion
    {
        public static unsafe float BFloat16ToSingle(ushort bits)
        {
            int b = bits << 16;
            return *(float*)&b;
        }

        public static unsafe float HalfToSingle(ushort h)
        {
            int sign = (h & 0x8000) << 16;
            int exponent = (h >> 10) & 0x1F;
            int mantissa = h & 0x3FF;
            int bits;
            if (exponent == 0x1F)
            {
                bits = sign | 0x7F800000 | (mantissa << 13); // infinity or NaN
            }
            else if (exponent != 0)
            {
                bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
            }
            else if (mantissa == 0)
            {
                bits = sign; // signed zero
            }
            else
            {
                // Subnormal half: normalise the mantissa.
                int e = 113;
                while ((mantissa & 0x400) == 0)
                {
                    mantissa <<= 1;
                    e--;
                }
                bits = sign | (e << 23) | ((mantissa & 0x3FF) << 13);
            }
            return *(float*)&bits;
        }
    }
}
