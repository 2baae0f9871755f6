using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using MatMulFree.Runtime.Kernels;

/// <summary>
/// Prototype: the token-parallel product over PairVectorTables (32 lanes), its weights as one byte per row and
/// pair holding 8 x the pair code (0..64): with the load's scale of 8 that byte is the entry's byte offset, so a
/// lookup is one byte load and one vector add. Layout [row][pair]: a row's pairs of a chunk are contiguous.
/// 4 bits per weight (twice the pair codes).
/// </summary>
internal static unsafe class IndexKernel
{
    const int Lanes = 32;
    const int PairBytes = 9 * 64;
    public const int ChunkPairs = 64;

    /// <summary>[row block][chunk][row][pair in chunk]: a block's chunk is 64 rows x 64 bytes, contiguous.</summary>
    static long At(int n, int pair, int stride) => (long)(n / 64) * 64 * stride + (long)(pair / ChunkPairs) * 64 * ChunkPairs + (n % 64) * ChunkPairs + pair % ChunkPairs;

    public static byte[] Indexes(PackedTernaryWeights w, out int stride)
    {
        stride = 2 * w.Groups;
        var index = new byte[(long)(w.Rows + 63) / 64 * 64 * stride + 64 * ChunkPairs];
        for (int n = 0; n < w.Rows; n++)
        {
            long at = MatMulFree.Model.PairCodes.Offset(n, w.Columns);
            for (int g = 0; g < w.Groups; g++)
            {
                int code = w.Codes[at + (long)g * 64];
                index[At(n, 2 * g, stride)] = (byte)(8 * (code & 15));
                index[At(n, 2 * g + 1, stride)] = (byte)(8 * (code >> 4));
            }
        }
        return index;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Product(byte* index, int stride, int rows, short* tables, int batch, int* acc)
    {
        int* block = stackalloc int[64 * Lanes];
        for (int n0 = 0; n0 < rows; n0 += 64)
        {
            int last = Math.Min(64, rows - n0);
            new Span<int>(block, 64 * Lanes).Clear();
            for (int p0 = 0; p0 < stride; p0 += ChunkPairs)
            {
                int chunk = Math.Min(ChunkPairs, stride - p0);
                byte* t0 = (byte*)tables + (long)p0 * PairBytes;
                for (int r = 0; r < last; r++)
                {
                    byte* p = index + At(n0 + r, p0, stride);
                    byte* pend = p + chunk;
                    byte* t = t0;
                    var s0 = Vector512<short>.Zero; var s1 = Vector512<short>.Zero;
                    var s2 = Vector512<short>.Zero; var s3 = Vector512<short>.Zero;
                    for (; p < pend; p += 4, t += 4 * PairBytes)
                    {
                        s0 += Vector512.Load((short*)(t + ((nuint)p[0] << 3)));
                        s1 += Vector512.Load((short*)(t + PairBytes + ((nuint)p[1] << 3)));
                        s2 += Vector512.Load((short*)(t + 2 * PairBytes + ((nuint)p[2] << 3)));
                        s3 += Vector512.Load((short*)(t + 3 * PairBytes + ((nuint)p[3] << 3)));
                    }
                    var (low, high) = Vector512.Widen((s0 + s1) + (s2 + s3));
                    int* sums = block + r * Lanes;
                    (Vector512.Load(sums) + low).Store(sums);
                    (Vector512.Load(sums + 16) + high).Store(sums + 16);
                }
            }
            for (int tk = 0; tk < batch; tk++)
                for (int r = 0; r < last; r++) acc[tk * rows + n0 + r] = block[r * Lanes + tk];
        }
    }
}
