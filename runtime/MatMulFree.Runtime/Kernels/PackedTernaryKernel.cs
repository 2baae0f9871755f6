using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using MatMulFree.Model;

namespace MatMulFree.Runtime.Kernels
{
    /// <summary>
    /// acc[n] = sum_k t[n,k] * q[k] over <see cref="PackedTernaryWeights"/> by table lookups,
    /// exact. Once per activation vector, <see cref="PairSumTables"/> holds for every pair
    /// of columns the 9 possible partial sums of its two biased activations, per nibble.
    /// Then, for a vector of consecutive rows (64 with AVX-512, 32 with AVX2, 16 with
    /// Vector128) and two groups of 4 columns, one load brings their code bytes, and eight
    /// byte shuffles fetch the rows' partial sums from the tables of the 4 pairs and 2
    /// nibble levels. The low-nibble sums of both groups are added in bytes (at most
    /// 4 x 60 = 240), as are the high-nibble sums; each byte vector is added to 16-bit
    /// accumulators as words (even rows in the low byte, carries and all) and, shifted
    /// right by 8, to a second accumulator (the odd rows): the even rows' sums come back as
    /// the difference. Words are flushed to 32 bits every 256 pairs of groups, before they
    /// could overflow; a row's sum is low + 16 high minus the tables' offsets and the
    /// activations' bias (<see cref="PackedTernaryWeights.Bias"/>). Additions, subtractions,
    /// shifts, masks and lookups only; every path returns the same integers (tested
    /// against the scalar reference).
    /// </summary>
    public static class PackedTernaryKernel
    {
        private const int BlockRows = PackedTernaryWeights.BlockRows;

        /// <summary>Pairs of groups whose byte sums (at most 240 each) 16-bit words hold exactly.</summary>
        private const int FlushPairs = 256;
        /// <summary>MMF_NO_PREFETCH=1 turns off every path's prefetch of the next block (to measure it;
        /// docs/performance-history.md).</summary>
        private static readonly bool NoPrefetch = Environment.GetEnvironmentVariable("MMF_NO_PREFETCH") == "1";

        public static KernelPath Best =>
            Avx512BW.IsSupported ? KernelPath.Avx512
            : Avx2.IsSupported ? KernelPath.Avx2
            : Vector128.IsHardwareAccelerated ? KernelPath.Vector128
            : KernelPath.Scalar;

        public static bool IsSupported(KernelPath path) => path switch
        {
            KernelPath.Avx512 => Avx512BW.IsSupported,
            KernelPath.Avx2 => Avx2.IsSupported,
            KernelPath.Vector128 => Vector128.IsHardwareAccelerated,
            _ => true,
        };

        /// <summary>The product on the best path; q has at least <see cref="PackedTernaryWeights.PaddedColumns"/>
        /// entries, <paramref name="tables"/> at least <see cref="PairSumTables.Length"/>(Groups) bytes.</summary>
        public static void Product(PackedTernaryWeights w, ReadOnlySpan<sbyte> q, Span<byte> tables, Span<int> acc) =>
            Product(Best, w, q, tables, acc, 0, w.Rows);

        /// <summary>Rows [start, start + count) on the given path (a path the CPU lacks throws).</summary>
        public static void Product(KernelPath path, PackedTernaryWeights w, ReadOnlySpan<sbyte> q, Span<byte> tables, Span<int> acc, int start, int count)
        {
            if (q.Length < w.PaddedColumns || tables.Length < PairSumTables.Length(w.Groups) || acc.Length < start + count || start < 0 || start + count > w.Rows)
            {
                throw new ArgumentException("buffers too short for this matrix");
            }
            if (!IsSupported(path))
            {
                throw new PlatformNotSupportedException($"this CPU has no {path}");
            }
            if (path == KernelPath.Scalar)
            {
                Scalar(w, q, acc, start, count);
                return;
            }
            PairSumTables.Build(q, w.Groups, tables);
            TableRows(path, w, tables, acc, start, count);
        }

        /// <summary>Rows [start, start + count) from tables already built by <see cref="PairSumTables.Build"/>
        /// (what row-parallel callers use: build once, then split the rows).</summary>
        public static void TableRows(KernelPath path, PackedTernaryWeights w, ReadOnlySpan<byte> tables, Span<int> acc, int start, int count)
        {
            if (path == KernelPath.Scalar)
            {
                throw new ArgumentException("the scalar path reads q, not tables", nameof(path));
            }
            if (tables.Length < PairSumTables.Length(w.Groups) || acc.Length < start + count || start < 0 || start + count > w.Rows)
            {
                throw new ArgumentException("buffers too short for this matrix");
            }
            Blocks(path, w, tables, PairSumTables.Length(w.Groups), 1, acc, start, count);
        }

        /// <summary>
        /// Rows [start, start + count) for <paramref name="batch"/> vectors whose tables stand at a
        /// stride of <paramref name="stride"/> bytes, block by block of 64 rows: each vector's tables
        /// run over the block's codes while they are in cache (the next block's are prefetched during
        /// the first vector's passes), and the products go to acc at a stride of Rows.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static unsafe void Blocks(KernelPath path, PackedTernaryWeights w, ReadOnlySpan<byte> tables, int stride, int batch, Span<int> acc, int start, int count)
        {
            int* sums = stackalloc int[BlockRows];
            fixed (byte* codes = w.Codes)
            fixed (byte* t = tables)
            {
                for (int block = start / BlockRows; block * BlockRows < start + count; block++)
                {
                    byte* blockCodes = codes + (long)block * w.Groups * BlockRows;
                    // The block the passes prefetch: none for the last one, or with MMF_NO_PREFETCH=1.
                    byte* next = !NoPrefetch && (block + 1) * BlockRows < start + count ? blockCodes + (long)w.Groups * BlockRows : null;
                    for (int v = 0; v < batch; v++)
                    {
                        // The first vector's passes prefetch the next block; the others run from cache.
                        Block(path, blockCodes, t + (long)v * stride, w.Groups, sums, v == 0 ? next : null);
                        Store(w, block, sums, acc.Slice(v * w.Rows, w.Rows), start, count);
                    }
                }
            }
        }

        /// <summary>Writes the rows of <paramref name="block"/> that fall in [start, start + count).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe void Store(PackedTernaryWeights w, int block, int* sums, Span<int> acc, int start, int count)
        {
            int first = Math.Max(start, block * BlockRows);
            int end = Math.Min(start + count, (block + 1) * BlockRows);
            if (Vector256.IsHardwareAccelerated && first == block * BlockRows && end - first == BlockRows)
            {
                fixed (int* bias = &w.Bias[first])
                fixed (int* a = &acc[first])
                {
                    for (int r = 0; r < BlockRows; r += 8)
                    {
                        (Vector256.Load(sums + r) - Vector256.Load(bias + r)).Store(a + r);
                    }
                }
                return;
            }
            for (int n = first; n < end; n++)
            {
                acc[n] = sums[n - block * BlockRows] - w.Bias[n];
            }
        }

        /// <summary>The raw sums (low + 16 high) of one block of 64 rows.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static unsafe void Block(KernelPath path, byte* codes, byte* tables, int groups, int* sums, byte* next = null)
        {
            for (int r = 0; r < BlockRows; r++) sums[r] = 0;
            switch (path)
            {
                case KernelPath.Avx512:
                    Avx512Block(codes, tables, groups, sums, next);
                    return;
                case KernelPath.Avx2:
                {
                    // Each 64-byte line of codes holds one group of all 64 rows: the first pass reads the
                    // rows' first halves, the second their second halves from cache. Meanwhile each pass
                    // prefetches half of the next block's lines, one per step, so that memory is busy
                    // during both passes rather than during one (docs/performance-history.md, "The packed kernel"). With no next block
                    // the passes prefetch this block's own lines, already in cache, which keeps the loop
                    // free of a branch.
                    byte* prefetch = next == null ? codes : next;
                    Avx2Rows(codes, tables, groups, sums, prefetch);
                    Avx2Rows(codes + 32, tables, groups, sums + 32, prefetch + (long)(groups / 2) * BlockRows);
                    return;
                }
                default:
                    // Four passes of 16 rows; each prefetches a quarter of the next block's lines, one
                    // every other step (as the AVX2 passes do, where the CPU has a prefetch instruction).
                    long quarter = (long)(groups + 3) / 4 * BlockRows;
                    bool prefetching = next != null && Sse.IsSupported;
                    for (int part = 0; part < 4; part++)
                    {
                        Vector128Rows(codes + 16 * part, tables, groups, sums + 16 * part,
                            prefetching ? next + part * quarter : null, prefetching ? next + (long)groups * BlockRows : null);
                    }
                    return;
            }
        }

        /// <summary>The reference: decode each code, add or subtract q.</summary>
        public static void Scalar(PackedTernaryWeights w, ReadOnlySpan<sbyte> q, Span<int> acc, int start, int count)
        {
            for (int n = start; n < start + count; n++)
            {
                int sum = 0;
                long at = PairCodes.Offset(n, w.Columns);
                for (int g = 0; g < w.Groups; g++, at += BlockRows)
                {
                    int code = w.Codes[at];
                    for (int pair = 0; pair < 2; pair++)
                    {
                        int p = pair == 0 ? code & 0x0F : code >> 4;
                        int k = 4 * g + 2 * pair;
                        sum = Apply(p % 3 - 1, q[k], Apply(p / 3 - 1, q[k + 1], sum));
                    }
                }
                acc[n] = sum;
            }
        }

        private static int Apply(int t, int q, int sum) => t > 0 ? sum + q : t < 0 ? sum - q : sum;

        /// <summary>Adds words of even-row and odd-row sums, low and high nibble, into 32-bit row sums.</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static unsafe void Flush(ushort* low, ushort* lowOdd, ushort* high, ushort* highOdd, int words, int* sums)
        {
            for (int i = 0; i < words; i++)
            {
                // The word accumulator holds sum(odd) * 256 + sum(even) modulo 2^16; sum(even) < 2^16.
                int evenLow = (ushort)(low[i] - (lowOdd[i] << 8));
                int evenHigh = (ushort)(high[i] - (highOdd[i] << 8));
                sums[2 * i] += evenLow + (evenHigh << 4);
                sums[2 * i + 1] += lowOdd[i] + (highOdd[i] << 4);
            }
        }

        /// <summary>A whole block in one pass, AVX-512; it prefetches the next block's two lines per step (the AVX2
        /// passes' even spread, in one pass). Measured on a Zen 4 guest (docs/performance.md): one thread,
        /// weights from DRAM, 1.86-1.96x / 1.52-1.62x / 1.25-1.40x the streaming read at 2048x2048 / 5632x2048 /
        /// 2048x5632 with it, 2.45-2.57x / 2.53-2.76x / 2.12-2.38x without (MMF_NO_PREFETCH=1), three runs each, in turn.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static unsafe void Avx512Block(byte* codes, byte* tables, int groups, int* sums, byte* prefetch)
        {
            ushort* spill = stackalloc ushort[4 * 32];
            int pairs = groups / 2;
            // With no next block the steps prefetch this block's own lines, already in cache: the loop
            // then has no branch on it (as the AVX2 passes do).
            byte* ahead = prefetch == null ? codes : prefetch;
            for (int done = 0; done < pairs; done += FlushPairs)
            {
                int end = Math.Min(pairs, done + FlushPairs);
                Avx512Pairs(codes + (long)done * 2 * BlockRows, tables + (long)done * 2 * PairSumTables.BytesPerGroup,
                    ahead + (long)done * 2 * BlockRows, end - done, spill);
                Flush(spill, spill + 32, spill + 64, spill + 96, 32, sums);
            }
        }

        /// <summary>
        /// <paramref name="count"/> pairs of groups of one block into four word accumulators, stored to
        /// <paramref name="spill"/> at the end. A method of its own, with no call in it: in one method with
        /// the call of <see cref="Flush"/> the JIT kept the codes pointer and the nibble mask on the stack and
        /// reloaded both every step (9 of the loop's 51 instructions).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
        private static unsafe void Avx512Pairs(byte* c, byte* t, byte* prefetch, int count, ushort* spill)
        {
            var nibble = Vector512.Create((byte)0x0F);
            var low = Vector512<ushort>.Zero; var lowOdd = Vector512<ushort>.Zero;
            var high = Vector512<ushort>.Zero; var highOdd = Vector512<ushort>.Zero;
            byte* end = c + (long)count * 2 * BlockRows;
            for (; c < end; c += 2 * BlockRows, t += 2 * PairSumTables.BytesPerGroup, prefetch += 2 * BlockRows)
            {
                Sse.Prefetch1(prefetch);
                Sse.Prefetch1(prefetch + BlockRows);
                var first = Vector512.Load(c);
                var second = Vector512.Load(c + BlockRows);
                var f0 = first & nibble; var f1 = Avx512BW.ShiftRightLogical(first.AsUInt16(), 4).AsByte() & nibble;
                var s0 = second & nibble; var s1 = Avx512BW.ShiftRightLogical(second.AsUInt16(), 4).AsByte() & nibble;
                var l = Avx512BW.Shuffle(Avx512F.BroadcastVector128ToVector512((int*)(t)).AsByte(), f0)
                      + Avx512BW.Shuffle(Avx512F.BroadcastVector128ToVector512((int*)(t + 32)).AsByte(), f1)
                      + Avx512BW.Shuffle(Avx512F.BroadcastVector128ToVector512((int*)(t + 64)).AsByte(), s0)
                      + Avx512BW.Shuffle(Avx512F.BroadcastVector128ToVector512((int*)(t + 96)).AsByte(), s1);
                var h = Avx512BW.Shuffle(Avx512F.BroadcastVector128ToVector512((int*)(t + 16)).AsByte(), f0)
                      + Avx512BW.Shuffle(Avx512F.BroadcastVector128ToVector512((int*)(t + 48)).AsByte(), f1)
                      + Avx512BW.Shuffle(Avx512F.BroadcastVector128ToVector512((int*)(t + 80)).AsByte(), s0)
                      + Avx512BW.Shuffle(Avx512F.BroadcastVector128ToVector512((int*)(t + 112)).AsByte(), s1);
                low += l.AsUInt16(); lowOdd += Avx512BW.ShiftRightLogical(l.AsUInt16(), 8);
                high += h.AsUInt16(); highOdd += Avx512BW.ShiftRightLogical(h.AsUInt16(), 8);
            }
            low.Store(spill); lowOdd.Store(spill + 32); high.Store(spill + 64); highOdd.Store(spill + 96);
        }

        /// <summary><see cref="Flush"/> for 32 rows in vector registers: even rows' sums are the word accumulator
        /// minus the odd bytes' shifted back, widened to 32 bits with the high level times 16 added, and
        /// interleaved with the odd rows' back into row order.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe void FlushAvx2(Vector256<ushort> low, Vector256<ushort> lowOdd, Vector256<ushort> high, Vector256<ushort> highOdd, int* sums)
        {
            var (evenLow0, evenLow1) = Vector256.Widen(low - Avx2.ShiftLeftLogical(lowOdd, 8));
            var (evenHigh0, evenHigh1) = Vector256.Widen(high - Avx2.ShiftLeftLogical(highOdd, 8));
            var (oddLow0, oddLow1) = Vector256.Widen(lowOdd);
            var (oddHigh0, oddHigh1) = Vector256.Widen(highOdd);
            // Words 0..7 (rows 0, 2, .., 14 and 1, 3, .., 15), then words 8..15 (rows 16..31).
            var even0 = (evenLow0 + Avx2.ShiftLeftLogical(evenHigh0, 4)).AsInt32();
            var odd0 = (oddLow0 + Avx2.ShiftLeftLogical(oddHigh0, 4)).AsInt32();
            var even1 = (evenLow1 + Avx2.ShiftLeftLogical(evenHigh1, 4)).AsInt32();
            var odd1 = (oddLow1 + Avx2.ShiftLeftLogical(oddHigh1, 4)).AsInt32();
            Interleave(even0, odd0, sums);
            Interleave(even1, odd1, sums + 16);
        }

        /// <summary>Adds rows r0..r15 to sums[0..16) from their even (2i) and odd (2i + 1) halves, 8 each.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe void Interleave(Vector256<int> even, Vector256<int> odd, int* sums)
        {
            // Within each 128-bit lane, unpacking pairs even and odd rows: rows 0-3 | 8-11 and 4-7 | 12-15.
            var a = Avx2.UnpackLow(even, odd);
            var b = Avx2.UnpackHigh(even, odd);
            (Vector256.Load(sums) + Avx2.Permute2x128(a, b, 0x20)).Store(sums);
            (Vector256.Load(sums + 8) + Avx2.Permute2x128(a, b, 0x31)).Store(sums + 8);
        }

        /// <summary>32 rows of a block (codes at the block's row offset), AVX2; each step prefetches one line, from
        /// <paramref name="prefetch"/> on. Codes and tables advance by the same 128 bytes per step, so one
        /// pointer and their distance drive the loop (about 42 instructions a step).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static unsafe void Avx2Rows(byte* codes, byte* tables, int groups, int* sums, byte* prefetch)
        {
            // A step covers two groups: 2 x 64 code bytes (a byte per row) and 2 x 64 bytes of tables
            // (PairSumTables.BytesPerGroup); were the two to differ, every exactness test would fail.
            const int Step = 2 * BlockRows;
            var nibble = Vector256.Create((byte)0x0F);
            int pairs = groups / 2;
            nint toTables = (nint)(tables - codes);
            byte* c = codes;
            for (int done = 0; done < pairs; done += FlushPairs)
            {
                byte* end = codes + (long)Math.Min(pairs, done + FlushPairs) * Step;
                var low = Vector256<ushort>.Zero; var lowOdd = Vector256<ushort>.Zero;
                var high = Vector256<ushort>.Zero; var highOdd = Vector256<ushort>.Zero;
                for (; c < end; c += Step, prefetch += BlockRows)
                {
                    // Into L2: the current block's codes and the tables are what L1 holds.
                    Sse.Prefetch1(prefetch);
                    byte* t = c + toTables;
                    var first = Vector256.Load(c);
                    var second = Vector256.Load(c + BlockRows);
                    var f0 = first & nibble; var f1 = Avx2.ShiftRightLogical(first.AsUInt16(), 4).AsByte() & nibble;
                    var s0 = second & nibble; var s1 = Avx2.ShiftRightLogical(second.AsUInt16(), 4).AsByte() & nibble;
                    var l = Avx2.Shuffle(Avx2.BroadcastVector128ToVector256(t), f0)
                          + Avx2.Shuffle(Avx2.BroadcastVector128ToVector256(t + 32), f1)
                          + Avx2.Shuffle(Avx2.BroadcastVector128ToVector256(t + 64), s0)
                          + Avx2.Shuffle(Avx2.BroadcastVector128ToVector256(t + 96), s1);
                    var h = Avx2.Shuffle(Avx2.BroadcastVector128ToVector256(t + 16), f0)
                          + Avx2.Shuffle(Avx2.BroadcastVector128ToVector256(t + 48), f1)
                          + Avx2.Shuffle(Avx2.BroadcastVector128ToVector256(t + 80), s0)
                          + Avx2.Shuffle(Avx2.BroadcastVector128ToVector256(t + 112), s1);
                    low += l.AsUInt16(); lowOdd += Avx2.ShiftRightLogical(l.AsUInt16(), 8);
                    high += h.AsUInt16(); highOdd += Avx2.ShiftRightLogical(h.AsUInt16(), 8);
                }
                FlushAvx2(low, lowOdd, high, highOdd, sums);
            }
        }

        /// <summary>table[index] per byte (indices 0..15): <c>pshufb</c> where SSSE3 is known to be present,
        /// else the portable shuffle (TBL on Arm). NativeAOT compiled for a baseline below SSSE3 emulates
        /// the portable form in software, and compiled for x86-x64-v2 it measured about 14x slower than
        /// the explicit instruction.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static Vector128<byte> Lookup(Vector128<byte> table, Vector128<byte> index) =>
            Ssse3.IsSupported ? Ssse3.Shuffle(table, index) : Vector128.Shuffle(table, index);

        /// <summary>16 rows of a block (codes at the block's row offset), portable 128-bit vectors; every other step
        /// prefetches one line from <paramref name="prefetch"/> on (when not null), up to <paramref name="prefetchEnd"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static unsafe void Vector128Rows(byte* codes, byte* tables, int groups, int* sums, byte* prefetch, byte* prefetchEnd)
        {
            var nibble = Vector128.Create((byte)0x0F);
            ushort* spill = stackalloc ushort[4 * 8];
            int pairs = groups / 2;
            byte* c = codes;
            for (int done = 0; done < pairs; done += FlushPairs)
            {
                int end = Math.Min(pairs, done + FlushPairs);
                var low = Vector128<ushort>.Zero; var lowOdd = Vector128<ushort>.Zero;
                var high = Vector128<ushort>.Zero; var highOdd = Vector128<ushort>.Zero;
                byte* t = tables + (long)done * 2 * PairSumTables.BytesPerGroup;
                for (int p = done; p < end; p++, c += 2 * BlockRows, t += 2 * PairSumTables.BytesPerGroup)
                {
                    if (prefetch != null && (p & 1) == 0 && prefetch < prefetchEnd)
                    {
                        Sse.Prefetch1(prefetch);
                        prefetch += BlockRows;
                    }
                    var first = Vector128.Load(c);
                    var second = Vector128.Load(c + BlockRows);
                    var f0 = first & nibble; var f1 = Vector128.ShiftRightLogical(first.AsUInt16(), 4).AsByte() & nibble;
                    var s0 = second & nibble; var s1 = Vector128.ShiftRightLogical(second.AsUInt16(), 4).AsByte() & nibble;
                    var l = Lookup(Vector128.Load(t), f0) + Lookup(Vector128.Load(t + 32), f1)
                          + Lookup(Vector128.Load(t + 64), s0) + Lookup(Vector128.Load(t + 96), s1);
                    var h = Lookup(Vector128.Load(t + 16), f0) + Lookup(Vector128.Load(t + 48), f1)
                          + Lookup(Vector128.Load(t + 80), s0) + Lookup(Vector128.Load(t + 112), s1);
                    low += l.AsUInt16(); lowOdd += Vector128.ShiftRightLogical(l.AsUInt16(), 8);
                    high += h.AsUInt16(); highOdd += Vector128.ShiftRightLogical(h.AsUInt16(), 8);
                }
                low.Store(spill); lowOdd.Store(spill + 8); high.Store(spill + 16); highOdd.Store(spill + 24);
                Flush(spill, spill + 8, spill + 16, spill + 24, 8, sums);
            }
        }

        /// <summary>
        /// Batched product for several token vectors at once (prefill, or several sessions):
        /// block by block of 64 rows, each vector's tables run over the block's codes while they
        /// are in cache, so the weights come from memory once for the whole batch.
        /// <paramref name="tables"/> holds each vector's <see cref="PairSumTables"/> at a stride of
        /// <paramref name="stride"/> bytes (at least <see cref="PairSumTables.Length"/>(Groups));
        /// <paramref name="acc"/> receives the products at a stride of Rows.
        /// </summary>
        public static void BatchRows(PackedTernaryWeights w, ReadOnlySpan<byte> tables, int stride, int batch, Span<int> acc, int start, int count) =>
            BatchRows(Best, w, tables, stride, batch, acc, start, count);

        /// <summary><see cref="BatchRows(PackedTernaryWeights, ReadOnlySpan{byte}, int, int, Span{int}, int, int)"/> on
        /// <paramref name="path"/> (the scalar path has no batched form: it runs Vector128's, in software where need be, as exact).</summary>
        public static void BatchRows(KernelPath path, PackedTernaryWeights w, ReadOnlySpan<byte> tables, int stride, int batch, Span<int> acc, int start, int count)
        {
            if (batch < 1 || stride < PairSumTables.Length(w.Groups) || tables.Length < (long)batch * stride
                || acc.Length < batch * w.Rows || start < 0 || start + count > w.Rows)
            {
                throw new ArgumentException("buffers too short for this batch");
            }
            if (path == KernelPath.Scalar)
            {
                path = KernelPath.Vector128; // software fallback of Vector128: still exact
            }
            Blocks(path, w, tables, stride, batch, acc, start, count);
        }
    }
}
