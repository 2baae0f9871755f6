using System;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MatMulFree.Runtime.Kernels
{
    /// <summary>
    /// The batched ternary product (prefill) with the batch in the vector lanes.
    /// Each byte of a bit plane selects 8 columns of a 64-column block (columns
    /// j, j+8, ..., j+56 for byte j: the planes' 8 x 8 bit transpose). For every
    /// such group of 8 columns, <see cref="BuildTables"/> writes once per call the
    /// 256 subset sums of the batch's activations (16 int16 lanes, one per token;
    /// each entry is one addition: the entry without its lowest bit plus that
    /// column). A row then costs, per group, two table reads (its plus byte and
    /// its minus byte) and one subtraction for all 16 tokens at once, instead of a
    /// select and a byte sum per token; 8 groups are summed in int16 (at most 64
    /// terms of |q| &lt;= 128) and widened once per block. Additions and table
    /// lookups only; exact integers, the same as <see cref="PackedTernaryKernel.BatchRows"/>
    /// (tested). AVX2 or AVX-512 (<see cref="IsSupported"/>).
    /// </summary>
    public static class SubsetSumBatchKernel
    {
        /// <summary>Tokens per call: the int16 lanes of one 256-bit table entry.</summary>
        public const int Lanes = 16;

        private const int EntriesPerGroup = 256;
        private const int GroupsPerBlock = 8;

        public static bool IsSupported => Avx2.IsSupported;

        /// <summary>int16 elements of the tables for <paramref name="blocks"/> blocks of 64 columns.</summary>
        public static long TableLength(int blocks) => (long)blocks * GroupsPerBlock * EntriesPerGroup * Lanes;

        /// <summary>
        /// The subset-sum tables of <paramref name="batch"/> (at most 16) vectors given biased
        /// (u = q + 128, stride <paramref name="stride"/> = blocks * 64, as for BatchRows);
        /// lanes past the batch are zero. Layout: [block][group][subset][lane].
        /// </summary>
        public static unsafe void BuildTables(ReadOnlySpan<byte> biased, int stride, int batch, Span<short> tables)
        {
            int blocks = stride / 64;
            if (batch < 1 || batch > Lanes || stride % 64 != 0 || biased.Length < batch * stride || tables.Length < TableLength(blocks))
            {
                throw new ArgumentException("buffers too short for this batch");
            }
            var column = stackalloc short[GroupsPerBlock * Lanes];
            fixed (byte* u = biased)
            fixed (short* t = tables)
            {
                for (int b = 0; b < blocks; b++)
                {
                    for (int j = 0; j < GroupsPerBlock; j++)
                    {
                        // The 8 columns of this group, each as 16 token lanes.
                        for (int i = 0; i < GroupsPerBlock; i++)
                        {
                            int c = b * 64 + j + 8 * i;
                            for (int v = 0; v < Lanes; v++)
                            {
                                column[i * Lanes + v] = v < batch ? (short)(u[(long)v * stride + c] - 128) : (short)0;
                            }
                        }
                        short* entry = t + ((long)b * GroupsPerBlock + j) * EntriesPerGroup * Lanes;
                        Vector256<short>.Zero.Store(entry);
                        for (int m = 1; m < EntriesPerGroup; m++)
                        {
                            int low = System.Numerics.BitOperations.TrailingZeroCount(m);
                            var sum = Vector256.Load(entry + (m & (m - 1)) * Lanes) + Vector256.Load(column + low * Lanes);
                            sum.Store(entry + m * Lanes);
                        }
                    }
                }
            }
        }

        /// <summary>
        /// acc[v * w.Rows + n] = sum_k t[n,k] q_v[k] for rows start .. start+count-1 and the
        /// <paramref name="batch"/> vectors whose tables <see cref="BuildTables"/> wrote.
        /// </summary>
        public static unsafe void Rows(PackedTernaryWeights w, ReadOnlySpan<short> tables, int batch, Span<int> acc, int start, int count)
        {
            if (!IsSupported)
            {
                throw new PlatformNotSupportedException("the subset-sum batch kernel needs AVX2");
            }
            if (batch < 1 || batch > Lanes || tables.Length < TableLength(w.Blocks) || acc.Length < batch * w.Rows || start < 0 || start + count > w.Rows)
            {
                throw new ArgumentException("buffers too short for this batch");
            }
            // Block by block over all the rows, so that one block's tables (64 KiB) stay in the
            // near caches while every row reads them; each row's 16 int32 sums wait in a buffer.
            if (t_rowSums == null || t_rowSums.Length < count * Lanes)
            {
                t_rowSums = new int[Math.Max(count, 1024) * Lanes];
            }
            fixed (ulong* planes = w.Planes)
            fixed (short* t = tables)
            fixed (int* sums = t_rowSums)
            {
                new Span<int>(sums, count * Lanes).Clear();
                bool wide = Avx512F.IsSupported;
                short* block = t;
                for (int b = 0; b < w.Blocks; b++, block += GroupsPerBlock * EntriesPerGroup * Lanes)
                {
                    for (int r = 0; r < count; r++)
                    {
                        ulong* p = planes + ((long)(start + r) * w.Blocks + b) * 2;
                        ulong plus = p[0], minus = p[1];
                        var sum = Vector256<short>.Zero;
                        for (int j = 0; j < GroupsPerBlock; j++)
                        {
                            short* group = block + j * EntriesPerGroup * Lanes;
                            sum += Vector256.Load(group + (int)((plus >> (8 * j)) & 0xFF) * Lanes)
                                 - Vector256.Load(group + (int)((minus >> (8 * j)) & 0xFF) * Lanes);
                        }
                        int* rowSum = sums + r * Lanes;
                        if (wide)
                        {
                            (Vector512.Load(rowSum) + Avx512F.ConvertToVector512Int32(sum)).Store(rowSum);
                        }
                        else
                        {
                            (Vector256.Load(rowSum) + Avx2.ConvertToVector256Int32(sum.GetLower())).Store(rowSum);
                            (Vector256.Load(rowSum + 8) + Avx2.ConvertToVector256Int32(sum.GetUpper())).Store(rowSum + 8);
                        }
                    }
                }
                for (int r = 0; r < count; r++)
                {
                    for (int v = 0; v < batch; v++)
                    {
                        acc[v * w.Rows + start + r] = sums[r * Lanes + v];
                    }
                }
            }
        }

        /// <summary>Per thread: the 16 int32 sums of each row of the current call.</summary>
        [ThreadStatic]
        private static int[]? t_rowSums;
    }
}
