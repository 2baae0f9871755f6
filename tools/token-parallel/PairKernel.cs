using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using MatMulFree.Model;

/// <summary>
/// The pair-tables variant's row loop: for every row, the int16 sums of the vectors its code bytes name in
/// groups [g0, gend) (the table offsets computed from the nibbles, not looked up: that took 1.11x to 1.39x
/// of the packed kernel on 1024x1024), added into the row's int32 sums (<paramref name="op"/>, [row][32]).
/// </summary>
internal static unsafe class PairKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void Rows(byte* cp, short* tp, int* op, int rows, int cols, int g0, int gend)
    {
        const int B = 32;
        int groupsInBlock = PairCodes.Groups(cols);
        for (int n = 0; n < rows; n++)
        {
            byte* c = cp + (long)(n / 64) * groupsInBlock * 64 + (n % 64) + (long)g0 * 64;
            short* t = tp;
            var acc0 = Vector512<short>.Zero; var acc1 = Vector512<short>.Zero;
            var acc2 = Vector512<short>.Zero; var acc3 = Vector512<short>.Zero;
            int g = g0;
            for (; g + 1 < gend; g += 2, c += 128, t += 36 * B)
            {
                int code = c[0]; int code2 = c[64];
                acc0 += Vector512.Load(t + ((code & 15) << 5));
                acc1 += Vector512.Load(t + 9 * B + ((code >> 4) << 5));
                acc2 += Vector512.Load(t + 18 * B + ((code2 & 15) << 5));
                acc3 += Vector512.Load(t + 27 * B + ((code2 >> 4) << 5));
            }
            for (; g < gend; g++, c += 64, t += 18 * B)
            {
                int code = *c;
                acc0 += Vector512.Load(t + ((code & 15) << 5));
                acc1 += Vector512.Load(t + 9 * B + ((code >> 4) << 5));
            }
            (var l0, var h0) = Vector512.Widen(acc0 + acc1 + acc2 + acc3);
            (Vector512.Load(op + n * B) + l0).Store(op + n * B);
            (Vector512.Load(op + n * B + 16) + h0).Store(op + n * B + 16);
        }
    }
}
