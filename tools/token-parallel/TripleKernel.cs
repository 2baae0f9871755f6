using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

/// <summary>
/// Prototype: token-parallel product over triples of columns. Per triple, 27 vectors t0 a + t1 b + t2 c;
/// per row and triple one byte holding 8 x the entry index (0..208), so that the load's scale of 8 makes
/// it the entry's byte offset (entries are 64 bytes): a lookup is one byte load and one vector add.
/// </summary>
internal static unsafe class TripleKernel
{
    public const int Lanes = 32;
    public const int Entries = 27;
    public const int TripleShorts = Entries * Lanes;

    public static int Triples(int columns) => (columns + 2) / 3;

    /// <summary>codes[n * stride + j] = 8 * index of row n, triple j.</summary>
    public static byte[] Codes(Func<int, int, int> w, int rows, int columns, out int stride)
    {
        stride = Triples(columns);
        var codes = new byte[rows * stride];
        for (int n = 0; n < rows; n++)
            for (int j = 0; j < stride; j++)
            {
                int W(int k) => k < columns ? w(n, k) : 0;
                int index = (W(3 * j) + 1) + 3 * (W(3 * j + 1) + 1) + 9 * (W(3 * j + 2) + 1);
                codes[n * stride + j] = (byte)(8 * index);
            }
        return codes;
    }

    public static void Build(sbyte[] q, int qStride, int batch, int columns, short* tables)
    {
        int triples = Triples(columns);
        var a = stackalloc short[Lanes]; var b = stackalloc short[Lanes]; var c = stackalloc short[Lanes];
        for (int j = 0; j < triples; j++)
        {
            for (int t = 0; t < Lanes; t++)
            {
                int k = 3 * j;
                a[t] = t < batch && k < columns ? q[t * qStride + k] : (short)0;
                b[t] = t < batch && k + 1 < columns ? q[t * qStride + k + 1] : (short)0;
                c[t] = t < batch && k + 2 < columns ? q[t * qStride + k + 2] : (short)0;
            }
            var va = Vector512.Load(a); var vb = Vector512.Load(b); var vc = Vector512.Load(c);
            short* e = tables + (long)j * TripleShorts;
            for (int i2 = 0; i2 < 3; i2++)
            {
                var z = i2 == 0 ? -vc : i2 == 1 ? Vector512<short>.Zero : vc;
                for (int i1 = 0; i1 < 3; i1++)
                {
                    var y = z + (i1 == 0 ? -vb : i1 == 1 ? Vector512<short>.Zero : vb);
                    (y - va).Store(e + (9 * i2 + 3 * i1 + 0) * Lanes);
                    y.Store(e + (9 * i2 + 3 * i1 + 1) * Lanes);
                    (y + va).Store(e + (9 * i2 + 3 * i1 + 2) * Lanes);
                }
            }
        }
    }

    public const int ChunkTriples = 48;

    /// <summary>acc[t * rows + n] for rows [0, rows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Product(byte* codes, int stride, int rows, short* tables, int batch, int* acc)
    {
        int* block = stackalloc int[64 * Lanes];
        for (int n0 = 0; n0 < rows; n0 += 64)
        {
            int last = Math.Min(64, rows - n0);
            new Span<int>(block, 64 * Lanes).Clear();
            for (int j0 = 0; j0 < stride; j0 += ChunkTriples)
            {
                int chunk = Math.Min(ChunkTriples, stride - j0);
                byte* t = (byte*)(tables + (long)j0 * TripleShorts);
                for (int r = 0; r < last; r++)
                {
                    byte* c = codes + (long)(n0 + r) * stride + j0;
                    byte* cend = c + chunk;
                    byte* e = t;
                    var s0 = Vector512<short>.Zero; var s1 = Vector512<short>.Zero;
                    var s2 = Vector512<short>.Zero; var s3 = Vector512<short>.Zero;
                    for (; c + 4 <= cend; c += 4, e += 4 * 2 * TripleShorts)
                    {
                        s0 += Vector512.Load((short*)(e + (nuint)c[0] * 8));
                        s1 += Vector512.Load((short*)(e + 2 * TripleShorts + (nuint)c[1] * 8));
                        s2 += Vector512.Load((short*)(e + 4 * TripleShorts + (nuint)c[2] * 8));
                        s3 += Vector512.Load((short*)(e + 6 * TripleShorts + (nuint)c[3] * 8));
                    }
                    for (; c < cend; c++, e += 2 * TripleShorts)
                    {
                        s0 += Vector512.Load((short*)(e + (nuint)c[0] * 8));
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
