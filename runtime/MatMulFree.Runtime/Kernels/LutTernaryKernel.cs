using System;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using MatMulFree.Compiler.Model;

namespace MatMulFree.Runtime.Kernels
{
    /// <summary>
    /// A ternary matrix for the lookup-table kernel: per block of 64 rows and group of
    /// 4 columns, one byte per row whose low nibble marks the +1 weights of the group
    /// and whose high nibble marks the -1 weights (2 bits per weight, as the planes).
    /// Rows and columns are padded with zero weights.
    /// </summary>
    public sealed class LutTernaryWeights
    {
        public LutTernaryWeights(TernaryMatrix m)
        {
            Rows = m.Rows;
            Columns = m.Columns;
            Beta = m.Beta;
            RowBlocks = (m.Rows + 63) / 64;
            Groups = (m.Columns + 3) / 4;
            Codes = new byte[(long)RowBlocks * Groups * 64];
            Bias = new int[m.Rows];
            for (int n = 0; n < m.Rows; n++)
            {
                int balance = 0;
                for (int k = 0; k < m.Columns; k++)
                {
                    int t = m[n, k];
                    if (t == 0) continue;
                    long at = ((long)(n / 64) * Groups + k / 4) * 64 + n % 64;
                    Codes[at] |= (byte)(1 << (k % 4 + (t > 0 ? 0 : 4)));
                    balance += t;
                }
                Bias[n] = 128 * balance;
            }
        }

        public int Rows { get; }
        public int Columns { get; }
        public float Beta { get; }
        public int RowBlocks { get; }
        public int Groups { get; }
        /// <summary>[row block][group][row in block]: +1 nibble | -1 nibble &lt;&lt; 4.</summary>
        public byte[] Codes { get; }
        public int[] Bias { get; }
        public long WeightBytes => Codes.LongLength;
        /// <summary>Activations the kernel reads: every group's 4 columns.</summary>
        public int PaddedColumns => Groups * 4;
    }

    /// <summary>
    /// The ternary product by table lookups (after T-MAC), exact: per token and
    /// group of 4 columns, the 16 sums of every subset of the 4 biased activations
    /// (u = q + 128, at most 1,020) are built once with additions; then for 64 rows at
    /// a time one byte shuffle fetches the sum of each row's +1 subset and one its -1
    /// subset (low and high bytes from two 16-entry tables), and 16-bit lanes
    /// accumulate the differences, flushed to 32 bits every 32 groups before they could
    /// overflow. Additions, subtractions and lookups only. AVX-512BW.
    /// </summary>
    public static class LutTernaryKernel
    {
        public static bool IsSupported => Avx512BW.IsSupported;

        /// <summary>acc = W q for q padded to <see cref="LutTernaryWeights.PaddedColumns"/>; tables holds 32 bytes per group.</summary>
        public static unsafe void Product(LutTernaryWeights w, ReadOnlySpan<sbyte> q, Span<byte> tables, Span<int> acc)
        {
            if (!IsSupported)
            {
                throw new PlatformNotSupportedException("the lookup-table kernel needs AVX-512BW");
            }
            if (q.Length < w.PaddedColumns || tables.Length < w.Groups * 32 || acc.Length < w.Rows)
            {
                throw new ArgumentException("buffers too short for this matrix");
            }
            BuildTables(w.Groups, q, tables);
            Span<int> block = stackalloc int[64];
            fixed (byte* codes = w.Codes)
            fixed (byte* t = tables)
            {
                var low = Vector512.Create((byte)0x0F);
                for (int rb = 0; rb < w.RowBlocks; rb++)
                {
                    var wide0 = Vector512<int>.Zero; var wide1 = Vector512<int>.Zero;
                    var wide2 = Vector512<int>.Zero; var wide3 = Vector512<int>.Zero;
                    var sum0 = Vector512<short>.Zero;
                    var sum1 = Vector512<short>.Zero;
                    int pending = 0;
                    byte* c = codes + (long)rb * w.Groups * 64;
                    for (int g = 0; g < w.Groups; g++, c += 64)
                    {
                        var idx = Vector512.Load(c);
                        var plus = idx & low;
                        var minus = Avx512BW.ShiftRightLogical(idx.AsUInt16(), 4).AsByte() & low;
                        var tlo = Avx512F.BroadcastVector128ToVector512((int*)(t + g * 32)).AsByte();
                        var thi = Avx512F.BroadcastVector128ToVector512((int*)(t + g * 32 + 16)).AsByte();
                        var plo = Avx512BW.Shuffle(tlo, plus);
                        var phi = Avx512BW.Shuffle(thi, plus);
                        var mlo = Avx512BW.Shuffle(tlo, minus);
                        var mhi = Avx512BW.Shuffle(thi, minus);
                        sum0 += Avx512BW.UnpackLow(plo, phi).AsInt16() - Avx512BW.UnpackLow(mlo, mhi).AsInt16();
                        sum1 += Avx512BW.UnpackHigh(plo, phi).AsInt16() - Avx512BW.UnpackHigh(mlo, mhi).AsInt16();
                        if (++pending == 32)
                        {
                            Flush(ref sum0, ref sum1, ref wide0, ref wide1, ref wide2, ref wide3);
                            pending = 0;
                        }
                    }
                    Flush(ref sum0, ref sum1, ref wide0, ref wide1, ref wide2, ref wide3);
                    // Lanes to rows: in each 128-bit lane L, UnpackLow held rows 16L..16L+7 and
                    // UnpackHigh rows 16L+8..16L+15 (as 16-bit words, widened in order).
                    fixed (int* b = block)
                    {
                        wide0.Store(b); wide1.Store(b + 16); wide2.Store(b + 32); wide3.Store(b + 48);
                    }
                    int rows = Math.Min(64, w.Rows - rb * 64);
                    for (int word = 0; word < 64; word++)
                    {
                        // words 0-31 came from sum0, 32-63 from sum1; 8 words per 128-bit lane.
                        int half = word / 32, inHalf = word % 32, lane = inHalf / 8, offset = inHalf % 8;
                        int row = 16 * lane + 8 * half + offset;
                        if (row < rows)
                        {
                            int n = rb * 64 + row;
                            acc[n] = block[word] - w.Bias[n];
                        }
                    }
                }
            }
        }

        private static void Flush(ref Vector512<short> sum0, ref Vector512<short> sum1,
            ref Vector512<int> wide0, ref Vector512<int> wide1, ref Vector512<int> wide2, ref Vector512<int> wide3)
        {
            var (a, b) = Vector512.Widen(sum0);
            var (c, d) = Vector512.Widen(sum1);
            wide0 += a; wide1 += b; wide2 += c; wide3 += d;
            sum0 = Vector512<short>.Zero;
            sum1 = Vector512<short>.Zero;
        }

        /// <summary>Per group of 4 columns, the 16 subset sums of u = q + 128, as low-byte and high-byte tables.</summary>
        private static void BuildTables(int groups, ReadOnlySpan<sbyte> q, Span<byte> tables)
        {
            Span<int> sums = stackalloc int[16];
            for (int g = 0; g < groups; g++)
            {
                int u0 = (byte)(q[4 * g] ^ 0x80), u1 = (byte)(q[4 * g + 1] ^ 0x80), u2 = (byte)(q[4 * g + 2] ^ 0x80), u3 = (byte)(q[4 * g + 3] ^ 0x80);
                sums[0] = 0;
                sums[1] = u0;
                sums[2] = u1;
                sums[3] = u0 + u1;
                for (int m = 0; m < 4; m++)
                {
                    sums[4 + m] = sums[m] + u2;
                }
                for (int m = 0; m < 8; m++)
                {
                    sums[8 + m] = sums[m] + u3;
                }
                var lo = tables.Slice(g * 32, 16);
                var hi = tables.Slice(g * 32 + 16, 16);
                for (int m = 0; m < 16; m++)
                {
                    lo[m] = (byte)sums[m];
                    hi[m] = (byte)(sums[m] >> 8);
                }
            }
        }
    }
}
