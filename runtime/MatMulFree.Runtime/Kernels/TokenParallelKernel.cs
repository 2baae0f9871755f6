using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using MatMulFree.Model;

namespace MatMulFree.Runtime.Kernels
{
    /// <summary>
    /// The token-parallel product of a batch (a prompt's tokens, or several sessions' steps):
    /// acc[t][n] = sum_k W[n, k] q_t[k] for up to <see cref="PairVectorTables.MaxLanes"/> token
    /// vectors at once, the tokens in the vector lanes. For each row and pair of columns the
    /// row's pair code names one vector of <see cref="PairVectorTables"/> (t0 a + t1 b for every
    /// token), which is added to the row's sums: one 512-bit addition does 64 weight-token
    /// products, with no multiplication, and the weights are read in their packed form
    /// (<see cref="PackedTernaryWeights"/>), so a batch needs no other copy of them.
    /// <para>
    /// Order of work: per block of 64 rows (the pair-code layout's), per chunk of
    /// <see cref="ChunkGroups"/> groups (128 columns, whose tables stay in L1 or L2 across the
    /// block's rows), per row: int16 sums (a chunk's 64 entries of at most 256 in magnitude
    /// each total at most 64 x 256 = 16,384, so exact), widened and added into the block's int32 sums
    /// (8 KB, in L1), which are written to acc[t * Rows + n] when the block is done. Integer
    /// additions in any order give the same integers: every path equals the one-token kernel's (tested).
    /// </para>
    /// <para>
    /// A table entry is <see cref="PairVectorTables.LanesFor"/>(batch) int16 lanes: 32 (one 512-bit
    /// vector, two 256-bit or four 128-bit ones), or 16 for batches of up to 16 (one 256-bit
    /// vector, two 128-bit ones, or on the AVX-512 path the 256-bit form).
    /// </para>
    /// </summary>
    public static unsafe class TokenParallelKernel
    {
        private const int MaxLanes = PairVectorTables.MaxLanes;
        private const int BlockRows = PairCodes.BlockRows;
        private const int Entries = PairVectorTables.Entries;

        /// <summary>Groups of 4 columns per chunk: 32 (128 columns, 36 KB of tables at 32 lanes) ran as fast as
        /// 16 (18 KB, within a 32 KB L1) on the Zen 4 guest and widens half as often (tools/token-parallel).</summary>
        public const int ChunkGroups = 32;

        /// <summary>Does not compile (a negative constant for a uint) if a chunk's sum could leave int16:
        /// 2 entries per group of at most 256 each.</summary>
        private const uint ChunkSumFitsInt16 = short.MaxValue - ChunkGroups * 2 * 256;

        /// <summary>
        /// Rows [start, start + count) of the product of <paramref name="batch"/> token vectors whose
        /// tables <paramref name="tables"/> holds (<see cref="PairVectorTables.Build"/>): token t's
        /// sum for row n goes to <paramref name="acc"/>[t * Rows + n].
        /// </summary>
        public static void Product(KernelPath path, PackedTernaryWeights w, ReadOnlySpan<short> tables, int batch, Span<int> acc, int start, int count)
        {
            if (batch < 1 || batch > MaxLanes || tables.Length < PairVectorTables.Length(w.Groups)
                || start < 0 || count < 0 || start + count > w.Rows || acc.Length < (long)(batch - 1) * w.Rows + start + count)
            {
                throw new ArgumentException("buffers too short for this batch, or a batch outside 1..32");
            }
            if (!PackedTernaryKernel.IsSupported(path))
            {
                throw new PlatformNotSupportedException($"this CPU has no {path}");
            }
            int lanes = PairVectorTables.LanesFor(batch);
            int* block = stackalloc int[BlockRows * MaxLanes];
            fixed (byte* cp = w.Codes)
            fixed (short* tp = tables)
            fixed (int* ap = acc)
            {
                int end = start + count;
                for (int n = start; n < end;)
                {
                    int b = n / BlockRows;
                    int first = n - b * BlockRows;
                    int last = Math.Min(BlockRows, end - b * BlockRows);
                    byte* codes = cp + (long)b * w.Groups * BlockRows;
                    new Span<int>(block, BlockRows * MaxLanes).Clear();
                    if (path == KernelPath.Avx512 && lanes == 32)
                    {
                        BlockVector512(codes, w.Groups, tp, first, last, block);
                    }
                    else if ((path == KernelPath.Avx512 || path == KernelPath.Avx2) && lanes == 16)
                    {
                        BlockVector256(codes, w.Groups, tp, first, last, block);
                    }
                    else if (path == KernelPath.Avx2)
                    {
                        BlockTwoVector256(codes, w.Groups, tp, first, last, block);
                    }
                    else if (path == KernelPath.Vector128 && lanes == 16)
                    {
                        BlockTwoVector128(codes, w.Groups, tp, first, last, block);
                    }
                    else if (path == KernelPath.Vector128)
                    {
                        BlockFourVector128(codes, w.Groups, tp, first, last, block);
                    }
                    else
                    {
                        BlockScalar(codes, w.Groups, tp, lanes, first, last, block);
                    }
                    int row0 = b * BlockRows;
                    for (int t = 0; t < batch; t++)
                    {
                        int* to = ap + (long)t * w.Rows + row0;
                        for (int r = first; r < last; r++)
                        {
                            to[r] = block[r * MaxLanes + t];
                        }
                    }
                    n = row0 + last;
                }
            }
        }

        /// <summary>The reference: each lane of each looked-up entry added one at a time.</summary>
        private static void BlockScalar(byte* codes, int groups, short* tables, int lanes, int first, int last, int* block)
        {
            int pairShorts = Entries * lanes;
            for (int r = first; r < last; r++)
            {
                int* sums = block + r * MaxLanes;
                for (int g = 0; g < groups; g++)
                {
                    int code = codes[g * BlockRows + r];
                    short* low = tables + (2 * g) * pairShorts + (code & 15) * lanes;
                    short* high = tables + (2 * g + 1) * pairShorts + (code >> 4) * lanes;
                    for (int t = 0; t < lanes; t++)
                    {
                        sums[t] += low[t] + high[t];
                    }
                }
            }
        }

        // The vector paths address an entry in bytes, from the code byte alone: the low nibble's at
        // (code & 15) x entry bytes, the high nibble's at (code & 0xF0) x entry bytes / 16 (no shift
        // of the byte first, and no sign extension). groups is even (PairCodes.Groups), and so is
        // every chunk: the loops take two groups, four entries, at a time.

        /// <summary>32 lanes, one 512-bit vector per entry (64 bytes).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void BlockVector512(byte* codes, int groups, short* tables, int first, int last, int* block)
        {
            const int pairBytes = Entries * 64;
            for (int g0 = 0; g0 < groups; g0 += ChunkGroups)
            {
                int chunk = Math.Min(ChunkGroups, groups - g0);
                byte* chunkTables = (byte*)tables + (long)g0 * 2 * pairBytes;
                for (int r = first; r < last; r++)
                {
                    byte* c = codes + g0 * BlockRows + r;
                    byte* cend = c + chunk * BlockRows;
                    byte* t = chunkTables;
                    var s0 = Vector512<short>.Zero;
                    var s1 = Vector512<short>.Zero;
                    var s2 = Vector512<short>.Zero;
                    var s3 = Vector512<short>.Zero;
                    for (; c < cend; c += 2 * BlockRows, t += 4 * pairBytes)
                    {
                        nuint code = c[0];
                        nuint code2 = c[BlockRows];
                        s0 += Vector512.Load((short*)(t + ((code & 15) << 6)));
                        s1 += Vector512.Load((short*)(t + pairBytes + ((code & 0xF0) << 2)));
                        s2 += Vector512.Load((short*)(t + 2 * pairBytes + ((code2 & 15) << 6)));
                        s3 += Vector512.Load((short*)(t + 3 * pairBytes + ((code2 & 0xF0) << 2)));
                    }
                    var (low, high) = Vector512.Widen((s0 + s1) + (s2 + s3));
                    int* sums = block + r * MaxLanes;
                    (Vector512.Load(sums) + low).Store(sums);
                    (Vector512.Load(sums + 16) + high).Store(sums + 16);
                }
            }
        }

        /// <summary>16 lanes, one 256-bit vector per entry (32 bytes).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void BlockVector256(byte* codes, int groups, short* tables, int first, int last, int* block)
        {
            const int pairBytes = Entries * 32;
            for (int g0 = 0; g0 < groups; g0 += ChunkGroups)
            {
                int chunk = Math.Min(ChunkGroups, groups - g0);
                byte* chunkTables = (byte*)tables + (long)g0 * 2 * pairBytes;
                for (int r = first; r < last; r++)
                {
                    byte* c = codes + g0 * BlockRows + r;
                    byte* cend = c + chunk * BlockRows;
                    byte* t = chunkTables;
                    Vector256<short> s0 = default, s1 = default, s2 = default, s3 = default;
                    for (; c < cend; c += 2 * BlockRows, t += 4 * pairBytes)
                    {
                        nuint code = c[0];
                        nuint code2 = c[BlockRows];
                        s0 += Vector256.Load((short*)(t + ((code & 15) << 5)));
                        s1 += Vector256.Load((short*)(t + pairBytes + ((code & 0xF0) << 1)));
                        s2 += Vector256.Load((short*)(t + 2 * pairBytes + ((code2 & 15) << 5)));
                        s3 += Vector256.Load((short*)(t + 3 * pairBytes + ((code2 & 0xF0) << 1)));
                    }
                    var (low, high) = Vector256.Widen((s0 + s1) + (s2 + s3));
                    int* sums = block + r * MaxLanes;
                    (Vector256.Load(sums) + low).Store(sums);
                    (Vector256.Load(sums + 8) + high).Store(sums + 8);
                }
            }
        }

        /// <summary>32 lanes, two 256-bit vectors per entry (64 bytes).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void BlockTwoVector256(byte* codes, int groups, short* tables, int first, int last, int* block)
        {
            const int pairBytes = Entries * 64;
            for (int g0 = 0; g0 < groups; g0 += ChunkGroups)
            {
                int chunk = Math.Min(ChunkGroups, groups - g0);
                byte* chunkTables = (byte*)tables + (long)g0 * 2 * pairBytes;
                for (int r = first; r < last; r++)
                {
                    byte* c = codes + g0 * BlockRows + r;
                    byte* cend = c + chunk * BlockRows;
                    byte* t = chunkTables;
                    Vector256<short> s0 = default, s1 = default, s2 = default, s3 = default;
                    Vector256<short> h0 = default, h1 = default, h2 = default, h3 = default;
                    for (; c < cend; c += 2 * BlockRows, t += 4 * pairBytes)
                    {
                        nuint code = c[0];
                        nuint code2 = c[BlockRows];
                        short* e0 = (short*)(t + ((code & 15) << 6));
                        short* e1 = (short*)(t + pairBytes + ((code & 0xF0) << 2));
                        short* e2 = (short*)(t + 2 * pairBytes + ((code2 & 15) << 6));
                        short* e3 = (short*)(t + 3 * pairBytes + ((code2 & 0xF0) << 2));
                        s0 += Vector256.Load(e0);
                        h0 += Vector256.Load(e0 + 16);
                        s1 += Vector256.Load(e1);
                        h1 += Vector256.Load(e1 + 16);
                        s2 += Vector256.Load(e2);
                        h2 += Vector256.Load(e2 + 16);
                        s3 += Vector256.Load(e3);
                        h3 += Vector256.Load(e3 + 16);
                    }
                    int* sums = block + r * MaxLanes;
                    var (a, b) = Vector256.Widen((s0 + s1) + (s2 + s3));
                    var (c2, d) = Vector256.Widen((h0 + h1) + (h2 + h3));
                    (Vector256.Load(sums) + a).Store(sums);
                    (Vector256.Load(sums + 8) + b).Store(sums + 8);
                    (Vector256.Load(sums + 16) + c2).Store(sums + 16);
                    (Vector256.Load(sums + 24) + d).Store(sums + 24);
                }
            }
        }

        /// <summary>32 lanes, four 128-bit vectors per entry (64 bytes); one group at a time.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void BlockFourVector128(byte* codes, int groups, short* tables, int first, int last, int* block)
        {
            const int pairBytes = Entries * 64;
            for (int g0 = 0; g0 < groups; g0 += ChunkGroups)
            {
                int chunk = Math.Min(ChunkGroups, groups - g0);
                byte* chunkTables = (byte*)tables + (long)g0 * 2 * pairBytes;
                for (int r = first; r < last; r++)
                {
                    byte* c = codes + g0 * BlockRows + r;
                    byte* cend = c + chunk * BlockRows;
                    byte* t = chunkTables;
                    Vector128<short> s0 = default, s1 = default, s2 = default, s3 = default;
                    Vector128<short> u0 = default, u1 = default, u2 = default, u3 = default;
                    for (; c < cend; c += BlockRows, t += 2 * pairBytes)
                    {
                        nuint code = c[0];
                        short* e0 = (short*)(t + ((code & 15) << 6));
                        short* e1 = (short*)(t + pairBytes + ((code & 0xF0) << 2));
                        s0 += Vector128.Load(e0);
                        s1 += Vector128.Load(e0 + 8);
                        s2 += Vector128.Load(e0 + 16);
                        s3 += Vector128.Load(e0 + 24);
                        u0 += Vector128.Load(e1);
                        u1 += Vector128.Load(e1 + 8);
                        u2 += Vector128.Load(e1 + 16);
                        u3 += Vector128.Load(e1 + 24);
                    }
                    int* sums = block + r * MaxLanes;
                    Add(sums, s0 + u0);
                    Add(sums + 8, s1 + u1);
                    Add(sums + 16, s2 + u2);
                    Add(sums + 24, s3 + u3);
                }
            }
        }

        /// <summary>16 lanes, two 128-bit vectors per entry (32 bytes); one group at a time.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void BlockTwoVector128(byte* codes, int groups, short* tables, int first, int last, int* block)
        {
            const int pairBytes = Entries * 32;
            for (int g0 = 0; g0 < groups; g0 += ChunkGroups)
            {
                int chunk = Math.Min(ChunkGroups, groups - g0);
                byte* chunkTables = (byte*)tables + (long)g0 * 2 * pairBytes;
                for (int r = first; r < last; r++)
                {
                    byte* c = codes + g0 * BlockRows + r;
                    byte* cend = c + chunk * BlockRows;
                    byte* t = chunkTables;
                    Vector128<short> s0 = default, s1 = default, u0 = default, u1 = default;
                    for (; c < cend; c += BlockRows, t += 2 * pairBytes)
                    {
                        nuint code = c[0];
                        short* e0 = (short*)(t + ((code & 15) << 5));
                        short* e1 = (short*)(t + pairBytes + ((code & 0xF0) << 1));
                        s0 += Vector128.Load(e0);
                        s1 += Vector128.Load(e0 + 8);
                        u0 += Vector128.Load(e1);
                        u1 += Vector128.Load(e1 + 8);
                    }
                    int* sums = block + r * MaxLanes;
                    Add(sums, s0 + u0);
                    Add(sums + 8, s1 + u1);
                }
            }
        }

        /// <summary>Eight int16 sums widened and added to eight int32 sums.</summary>
        private static void Add(int* sums, Vector128<short> s)
        {
            var (low, high) = Vector128.Widen(s);
            (Vector128.Load(sums) + low).Store(sums);
            (Vector128.Load(sums + 4) + high).Store(sums + 4);
        }
    }
}
