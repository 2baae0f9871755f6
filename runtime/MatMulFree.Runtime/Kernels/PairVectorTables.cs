using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using MatMulFree.Model;

namespace MatMulFree.Runtime.Kernels
{
    /// <summary>
    /// The token-parallel product's tables (<see cref="TokenParallelKernel"/>): for a batch of up
    /// to <see cref="MaxLanes"/> token vectors, each input column's activations are one vector of
    /// int16 lanes, lane t holding token t's (lanes past the batch are 0). For every pair of
    /// columns (a, b), entry p = (t0 + 1) + 3 (t1 + 1) holds t0 a + t1 b, lane by lane, for the
    /// nine ternary pairs (t0, t1): the same index as a pair code (<see cref="PairCodes"/>), so
    /// a row's code byte names the vectors to add and the weights need no other form. Built
    /// with additions and negations; |entry| &lt;= 256.
    /// Layout: [pair][entry][lane], <see cref="Entries"/> x <see cref="LanesFor"/>(batch) int16 per pair:
    /// a batch of up to 16 has 16 lanes (a 256-bit vector per entry), a larger one 32 (512 bits).
    /// </summary>
    public static unsafe class PairVectorTables
    {
        /// <summary>Token vectors per batch block at most: one 512-bit vector of int16 lanes per table entry.</summary>
        public const int MaxLanes = 32;

        /// <summary>Entries per pair: the nine ternary pairs (t0, t1).</summary>
        public const int Entries = 9;

        /// <summary>Lanes of a batch's tables: 16 up to 16 vectors, else 32 (the cost of a product is
        /// that of its lanes, whatever the batch).</summary>
        public static int LanesFor(int batch) => batch <= 16 ? 16 : MaxLanes;

        /// <summary>int16 values of the tables of any batch for a matrix of <paramref name="groups"/> groups of 4 columns.</summary>
        public static int Length(int groups) => groups * 2 * Entries * MaxLanes;

        /// <summary>int16 values of the tables of any batch for any matrix of at most <paramref name="columns"/> columns.</summary>
        public static int LengthForColumns(int columns) => Length(PairCodes.Groups(columns));

        /// <summary>
        /// The tables of <paramref name="batch"/> quantized vectors, vector t at
        /// <paramref name="q"/>[t * <paramref name="stride"/>], of which <paramref name="columns"/>
        /// entries are read; columns up to 4 * <paramref name="groups"/> and lanes past the batch are 0.
        /// </summary>
        public static void Build(ReadOnlySpan<sbyte> q, int stride, int batch, int columns, int groups, Span<short> tables) =>
            Build(q, stride, batch, columns, groups, tables, 0, groups);

        /// <summary>The tables of groups [<paramref name="first"/>, <paramref name="first"/> + <paramref name="count"/>)
        /// only (what a caller that splits the work across threads runs for each part).</summary>
        public static void Build(ReadOnlySpan<sbyte> q, int stride, int batch, int columns, int groups, Span<short> tables, int first, int count)
        {
            if (batch < 1 || batch > MaxLanes || columns > 4 * groups || stride < columns
                || q.Length < (batch - 1) * stride + columns || tables.Length < Length(groups)
                || first < 0 || count < 0 || first + count > groups)
            {
                throw new ArgumentException("activation or table buffer too short, a batch outside 1..32, or groups outside the matrix");
            }
            int lanes = LanesFor(batch);
            int pairShorts = Entries * lanes;
            fixed (sbyte* qp = q)
            fixed (short* tp = tables)
            {
                // Eight columns (two groups) at a time: each token's eight bytes in one read, spread into
                // eight column vectors of token lanes (lanes past the batch, and columns past the
                // matrix, are 0: the quantized rows hold a wider layer's values beyond it).
                short* x = stackalloc short[8 * MaxLanes];
                int pairs = 2 * (first + count);
                for (int pair = 2 * first; pair < pairs; pair += 4)
                {
                    int k = 2 * pair;
                    new Span<short>(x, 8 * MaxLanes).Clear();
                    int width = Math.Min(8, columns - k);
                    if (width == 8)
                    {
                        for (int t = 0; t < batch; t++)
                        {
                            ulong v = Unsafe.ReadUnaligned<ulong>(qp + (long)t * stride + k);
                            for (int c = 0; c < 8; c++, v >>= 8)
                            {
                                x[c * lanes + t] = (sbyte)(byte)v;
                            }
                        }
                    }
                    else
                    {
                        for (int t = 0; t < batch; t++)
                        {
                            for (int c = 0; c < width; c++)
                            {
                                x[c * lanes + t] = qp[(long)t * stride + k + c];
                            }
                        }
                    }
                    // groups is even, so every block of eight columns is four whole pairs of the
                    // tables; only those from [first, first + count) are written.
                    for (int c = 0; c < 4 && pair + c < pairs; c++)
                    {
                        Entries9(x + 2 * c * lanes, x + (2 * c + 1) * lanes, tp + (long)(pair + c) * pairShorts, lanes);
                    }
                }
            }
        }

        /// <summary>The nine entries of one pair, entry (t0 + 1) + 3 (t1 + 1) = t0 a + t1 b, lane by lane.</summary>
        private static void Entries9(short* a, short* b, short* pair, int lanes)
        {
            for (int t = 0; t < lanes; t += Vector128<short>.Count)
            {
                var va = Vector128.Load(a + t);
                var vb = Vector128.Load(b + t);
                (-va - vb).Store(pair + 0 * lanes + t);
                (-vb).Store(pair + 1 * lanes + t);
                (va - vb).Store(pair + 2 * lanes + t);
                (-va).Store(pair + 3 * lanes + t);
                Vector128<short>.Zero.Store(pair + 4 * lanes + t);
                va.Store(pair + 5 * lanes + t);
                (vb - va).Store(pair + 6 * lanes + t);
                vb.Store(pair + 7 * lanes + t);
                (va + vb).Store(pair + 8 * lanes + t);
            }
        }
    }
}
