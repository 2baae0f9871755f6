using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using MatMulFree.Model;

namespace MatMulFree.Runtime.Kernels
{
    /// <summary>
    /// The lookup tables of the packed kernel, built once per activation vector (after
    /// T-MAC, but exact). Each activation is biased to u = q + 128 and split into nibbles,
    /// u = 16 h + l (l, h in 0..15). For every pair of columns (a, b) and each nibble
    /// level, a 16-byte table holds at entry p = (t0 + 1) + 3 (t1 + 1) the partial sum
    /// <see cref="Offset"/> + t0 a + t1 b, in 0..60 (entries 9..15 are never looked up).
    /// A row's code byte names one entry of the low-nibble table and one of the
    /// high-nibble table per pair; sum(low) + 16 sum(high) is its product with u. Built
    /// with additions, negations and byte shuffles; no multiplication.
    /// Layout: per pair of columns 32 bytes, the low-nibble table then the high-nibble
    /// table; per group of 4 columns 64 bytes.
    /// </summary>
    public static class PairSumTables
    {
        /// <summary>Added to every entry so that it is a non-negative byte.</summary>
        public const int Offset = 30;

        /// <summary>What one group of 4 columns adds beyond its true sum: two low-nibble
        /// entries and two high-nibble entries (weighted 16) of <see cref="Offset"/> each.</summary>
        public const int GroupOffset = 2 * Offset + 16 * 2 * Offset;

        public const int BytesPerGroup = 64;

        /// <summary>Bytes of tables for a matrix of <paramref name="groups"/> groups of 4 columns.</summary>
        public static int Length(int groups) => groups * BytesPerGroup;

        /// <summary>Bytes of tables for any matrix of at most <paramref name="columns"/> columns.</summary>
        public static int LengthForColumns(int columns) => Length(PairCodes.Groups(columns));

        /// <summary>The tables of <paramref name="q"/> (at least 4 * <paramref name="groups"/> entries) on the best path.</summary>
        public static void Build(ReadOnlySpan<sbyte> q, int groups, Span<byte> tables)
        {
            if (groups % 2 != 0 || q.Length < 4 * groups || tables.Length < Length(groups))
            {
                throw new ArgumentException("activation or table buffer too short, or an odd number of groups");
            }
            if (Avx2.IsSupported)
            {
                BuildAvx2(q, groups, tables);
            }
            else if (Vector128.IsHardwareAccelerated)
            {
                BuildVector128(q, groups, tables);
            }
            else
            {
                BuildScalar(q, groups, tables);
            }
        }

        /// <summary>The reference: every entry of every table, one at a time.</summary>
        public static void BuildScalar(ReadOnlySpan<sbyte> q, int groups, Span<byte> tables)
        {
            for (int pair = 0; pair < 2 * groups; pair++)
            {
                int ua = (byte)(q[2 * pair] ^ 0x80), ub = (byte)(q[2 * pair + 1] ^ 0x80);
                var low = tables.Slice(32 * pair, 16);
                var high = tables.Slice(32 * pair + 16, 16);
                for (int p = 0; p < 16; p++)
                {
                    int t0 = p < 9 ? p % 3 - 1 : 0, t1 = p < 9 ? p / 3 - 1 : 0;
                    low[p] = (byte)(Offset + Signed(t0, ua & 15) + Signed(t1, ub & 15));
                    high[p] = (byte)(Offset + Signed(t0, ua >> 4) + Signed(t1, ub >> 4));
                }
            }
        }

        private static int Signed(int t, int value) => t > 0 ? value : t < 0 ? -value : 0;

        // For pair j (0..3) of 8 columns, byte indices into [x0..x7, -x0..-x7] that give entry p's
        // a-term and b-term: column 2j (or 8 + 2j for -1), 2j + 1 (or 8 + 2j + 1), 0x80 (zero) for
        // a zero weight and for the unused entries 9..15.
        private static readonly byte[] s_pairIndices = MakePairIndices();

        private static byte[] MakePairIndices()
        {
            var indices = new byte[4 * 2 * 16];
            for (int j = 0; j < 4; j++)
            {
                for (int p = 0; p < 16; p++)
                {
                    int t0 = p < 9 ? p % 3 - 1 : 0, t1 = p < 9 ? p / 3 - 1 : 0;
                    indices[32 * j + p] = Index(t0, 2 * j);
                    indices[32 * j + 16 + p] = Index(t1, 2 * j + 1);
                }
            }
            return indices;

            static byte Index(int t, int column) => t > 0 ? (byte)column : t < 0 ? (byte)(8 + column) : (byte)0x80;
        }

        /// <summary>The low and high nibbles of activations biased to u = q + 128, byte by byte.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static (Vector128<byte> Low, Vector128<byte> High) Nibbles(Vector128<sbyte> q)
        {
            var u = q.AsByte() ^ Vector128.Create((byte)0x80);
            var nibble = Vector128.Create((byte)0x0F);
            return (u & nibble, Vector128.ShiftRightLogical(u.AsUInt16(), 4).AsByte() & nibble);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static unsafe void BuildAvx2(ReadOnlySpan<sbyte> q, int groups, Span<byte> tables)
        {
            var offset = Vector256.Create((byte)Offset);
            fixed (byte* indices = s_pairIndices)
            fixed (sbyte* activations = q)
            fixed (byte* t = tables)
            {
                var a0 = Avx2.BroadcastVector128ToVector256(indices); var b0 = Avx2.BroadcastVector128ToVector256(indices + 16);
                var a1 = Avx2.BroadcastVector128ToVector256(indices + 32); var b1 = Avx2.BroadcastVector128ToVector256(indices + 48);
                var a2 = Avx2.BroadcastVector128ToVector256(indices + 64); var b2 = Avx2.BroadcastVector128ToVector256(indices + 80);
                var a3 = Avx2.BroadcastVector128ToVector256(indices + 96); var b3 = Avx2.BroadcastVector128ToVector256(indices + 112);
                int columns = 4 * groups;
                for (int column = 0; column < columns; column += 16)
                {
                    // 16 activations (8 when only 8 remain); their nibbles and their negations side by side.
                    bool sixteen = column + 16 <= columns;
                    var (low, high) = Nibbles(sixteen ? Vector128.Load(activations + column) : Vector128.CreateScalar(*(long*)(activations + column)).AsSByte());
                    var negLow = Vector128<byte>.Zero - low;
                    var negHigh = Vector128<byte>.Zero - high;
                    // Low-nibble tables in the lower 128-bit lane, high-nibble tables in the upper one:
                    // the layout of a pair's 32 bytes.
                    Store(Vector256.Create(Sse2.UnpackLow(low.AsUInt64(), negLow.AsUInt64()).AsByte(), Sse2.UnpackLow(high.AsUInt64(), negHigh.AsUInt64()).AsByte()), t + 16 * column);
                    if (sixteen)
                    {
                        Store(Vector256.Create(Sse2.UnpackHigh(low.AsUInt64(), negLow.AsUInt64()).AsByte(), Sse2.UnpackHigh(high.AsUInt64(), negHigh.AsUInt64()).AsByte()), t + 16 * (column + 8));
                    }
                }

                // The tables of the 4 pairs of 8 columns whose nibbles and negations x holds.
                void Store(Vector256<byte> x, byte* o)
                {
                    (offset + Avx2.Shuffle(x, a0) + Avx2.Shuffle(x, b0)).Store(o);
                    (offset + Avx2.Shuffle(x, a1) + Avx2.Shuffle(x, b1)).Store(o + 32);
                    (offset + Avx2.Shuffle(x, a2) + Avx2.Shuffle(x, b2)).Store(o + 64);
                    (offset + Avx2.Shuffle(x, a3) + Avx2.Shuffle(x, b3)).Store(o + 96);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static unsafe void BuildVector128(ReadOnlySpan<sbyte> q, int groups, Span<byte> tables)
        {
            var offset = Vector128.Create((byte)Offset);
            fixed (byte* indices = s_pairIndices)
            fixed (byte* t = tables)
            {
                for (int column = 0; column < 4 * groups; column += 8)
                {
                    var (u, v) = Nibbles(Vector128.CreateScalar(MemoryMarshal.Read<long>(MemoryMarshal.AsBytes(q.Slice(column, 8)))).AsSByte());
                    var low = Vector128.Create(u.AsUInt64().ToScalar(), (-u).AsUInt64().ToScalar()).AsByte();
                    var high = Vector128.Create(v.AsUInt64().ToScalar(), (-v).AsUInt64().ToScalar()).AsByte();
                    byte* o = t + 16 * column;
                    for (int j = 0; j < 4; j++, o += 32)
                    {
                        var a = Vector128.Load(indices + 32 * j);
                        var b = Vector128.Load(indices + 32 * j + 16);
                        (offset + PackedTernaryKernel.Lookup(low, a) + PackedTernaryKernel.Lookup(low, b)).Store(o);
                        (offset + PackedTernaryKernel.Lookup(high, a) + PackedTernaryKernel.Lookup(high, b)).Store(o + 16);
                    }
                }
            }
        }
    }
}
