// Issue 17, first measurement: is a token-parallel add/subtract product (each input column's B = 32
// activations as one vector of int16 lanes, added or subtracted into a row's accumulators per non-zero
// weight) faster per token than the packed kernel (pair-sum tables looked up 64 rows at a time)?
// Variants, each checked against a plain reference on random weights and activations:
//   single x32             the packed kernel, one token at a time (tables built per token)
//   lut batch              PackedTernaryKernel.BatchRows, the runtime's batched path
//   token-parallel lists   per row, the +1 and -1 columns as offsets
//   token-parallel masks   per row and 64 columns, a +1 and a -1 bit mask (2 bits per weight)
//   masks, 256-col blocks  the same with 256 columns of the activations (16 KB) kept in L1 across all rows
//   lists, 256-col blocks  offsets per 256-column block
//   pair tables            per 64 columns, the nine vectors t0 X[k0] + t1 X[k1] of each pair of columns
//                          (additions only), looked up by the packed kernel's own pair codes: no other weight data
// Prints microseconds per token, the variants in turn, 15 rounds, medians and ranges.
// Result on a Zen 4 guest (December 2026): the batched packed path costs per token what one token costs
// (0.95-1.08x); one vector load and add per non-zero weight is slower (0.34-0.89x); pair tables of token
// vectors are 1.03-1.40x (their row loop in PairKernel.cs; the wide 1024x2816 shape is the slowest: every
// 64-column block sweeps all rows' int32 sums through L2). Each reaches about 18 weight-tokens per cycle against a theoretical
// 64 for the pair tables: where the cycles go is the next question for issue 17. The calibration printed
// first bounds them: 0.31-0.35 ns per 512-bit load and add in order, 0.35-0.50 ns at listed offsets (four
// runs), so pair tables cannot beat 5.5-7.8 microseconds per token per million weights: 2.3-3.3x the
// packed kernel's 18 at best, short of the 6x the issue asks of a prefill on these two cores.
using System;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using MatMulFree.Model;
using MatMulFree.Runtime.Kernels;

internal static unsafe class Exploration
{
public static void Run()
{
const int B = 32;
foreach (var (rows, cols) in new[] { (1024, 1024), (2816, 1024), (1024, 2816) })
{
    var rng = new Random(rows * 7 + cols);
    var w = new sbyte[rows, cols];
    for (int n = 0; n < rows; n++) for (int k = 0; k < cols; k++) w[n, k] = (sbyte)(rng.Next(3) - 1);
    // pair codes
    var codes = new byte[PairCodes.Length(rows, cols)];
    Array.Fill(codes, PairCodes.ZeroCode == 4 ? (byte)0x44 : (byte)0);
    for (int n = 0; n < rows; n++)
    {
        long at = PairCodes.Offset(n, cols);
        for (int g = 0; g < PairCodes.Groups(cols); g++)
        {
            int W(int k) => k < cols ? w[n, k] : 0;
            int c0 = (W(4 * g) + 1) + 3 * (W(4 * g + 1) + 1), c1 = (W(4 * g + 2) + 1) + 3 * (W(4 * g + 3) + 1);
            codes[at + (long)g * PairCodes.BlockRows] = (byte)(c0 | c1 << 4);
        }
    }
    var packed = new PackedTernaryWeights(rows, cols, 1f, codes);
    var q = new sbyte[B][];
    for (int t = 0; t < B; t++) { q[t] = new sbyte[cols + 64]; for (int k = 0; k < cols; k++) q[t][k] = (sbyte)(rng.Next(255) - 127); }
    // reference
    var reference = new int[B * rows];
    for (int t = 0; t < B; t++) for (int n = 0; n < rows; n++) { int s = 0; for (int k = 0; k < cols; k++) s += w[n, k] * q[t][k]; reference[t * rows + n] = s; }

    // 1. LUT batch (tables built per token, included)
    int stride = PairSumTables.Length(packed.Groups);
    var tables = new byte[B * stride];
    var acc = new int[B * rows];
    void Lut()
    {
        for (int t = 0; t < B; t++) PairSumTables.Build(q[t], packed.Groups, tables.AsSpan(t * stride, stride));
        PackedTernaryKernel.BatchRows(packed, tables, stride, B, acc, 0, rows);
    }
    // 2. token-parallel, index lists, int16 lanes
    var plus = new int[rows][]; var minus = new int[rows][];
    for (int n = 0; n < rows; n++)
    {
        var p = new System.Collections.Generic.List<int>(); var m = new System.Collections.Generic.List<int>();
        for (int k = 0; k < cols; k++) { if (w[n, k] > 0) p.Add(k * B); else if (w[n, k] < 0) m.Add(k * B); }
        plus[n] = p.ToArray(); minus[n] = m.ToArray();
    }
    var x = GC.AllocateUninitializedArray<short>(cols * B + 64, pinned: true);
    var tacc = new int[rows * B];
    void Transpose()
    {
        for (int t = 0; t < B; t++) { var qt = q[t]; for (int k = 0; k < cols; k++) x[k * B + t] = qt[k]; }
    }
    void TokenParallel()
    {
        Transpose();
        fixed (short* xp = x) fixed (int* op = tacc)
        for (int n = 0; n < rows; n++)
        {
            var lo = Vector512<int>.Zero; var hi = Vector512<int>.Zero;
            var a = Vector512<short>.Zero; var a2 = Vector512<short>.Zero;
            int[] pl = plus[n]; int[] mi = minus[n];
            int j = 0;
            while (j < pl.Length)
            {
                int end = Math.Min(pl.Length, j + 256);
                for (; j + 1 < end; j += 2) { a += Vector512.Load(xp + pl[j]); a2 += Vector512.Load(xp + pl[j + 1]); }
                for (; j < end; j++) a += Vector512.Load(xp + pl[j]);
                (var l0, var h0) = Vector512.Widen(a); (var l1, var h1) = Vector512.Widen(a2);
                lo += l0 + l1; hi += h0 + h1; a = Vector512<short>.Zero; a2 = Vector512<short>.Zero;
            }
            j = 0;
            while (j < mi.Length)
            {
                int end = Math.Min(mi.Length, j + 256);
                for (; j + 1 < end; j += 2) { a += Vector512.Load(xp + mi[j]); a2 += Vector512.Load(xp + mi[j + 1]); }
                for (; j < end; j++) a += Vector512.Load(xp + mi[j]);
                (var l0, var h0) = Vector512.Widen(a); (var l1, var h1) = Vector512.Widen(a2);
                lo -= l0 + l1; hi -= h0 + h1; a = Vector512<short>.Zero; a2 = Vector512<short>.Zero;
            }
            lo.Store(op + n * B); hi.Store(op + n * B + 16);
        }
    }
    // 3. token-parallel, bit masks (2 bits per weight): plus and minus masks per 64 columns
    int words = (cols + 63) / 64;
    var pm = new ulong[rows * words]; var mm = new ulong[rows * words];
    for (int n = 0; n < rows; n++) for (int k = 0; k < cols; k++) { if (w[n, k] > 0) pm[n * words + k / 64] |= 1UL << (k % 64); else if (w[n, k] < 0) mm[n * words + k / 64] |= 1UL << (k % 64); }
    var macc = new int[rows * B];
    void Masks()
    {
        Transpose();
        fixed (short* xp = x) fixed (int* op = macc) fixed (ulong* pp = pm) fixed (ulong* mp = mm)
        for (int n = 0; n < rows; n++)
        {
            var lo = Vector512<int>.Zero; var hi = Vector512<int>.Zero;
            for (int wd = 0; wd < words; wd += 4)
            {
                var a = Vector512<short>.Zero;
                int wend = Math.Min(words, wd + 4);
                for (int u = wd; u < wend; u++)
                {
                    short* col = xp + u * 64 * B;
                    ulong bits = pp[n * words + u];
                    while (bits != 0) { int k = BitOperations.TrailingZeroCount(bits); bits &= bits - 1; a += Vector512.Load(col + k * B); }
                    bits = mp[n * words + u];
                    while (bits != 0) { int k = BitOperations.TrailingZeroCount(bits); bits &= bits - 1; a -= Vector512.Load(col + k * B); }
                }
                (var l0, var h0) = Vector512.Widen(a); lo += l0; hi += h0;
            }
            lo.Store(op + n * B); hi.Store(op + n * B + 16);
        }
    }
    // 5. masks, column-blocked: 256 columns of X (16 KB, in L1) swept over every row, int16 sums per chunk (|sum| <= 127 * 256 fits)
    var cacc = new int[rows * B];
    void Chunked()
    {
        Transpose();
        Array.Clear(cacc);
        fixed (short* xp = x) fixed (int* op = cacc) fixed (ulong* pp = pm) fixed (ulong* mp = mm)
        for (int wd = 0; wd < words; wd += 4)
        {
            int wend = Math.Min(words, wd + 4);
            for (int n = 0; n < rows; n++)
            {
                var a = Vector512<short>.Zero; var a2 = Vector512<short>.Zero;
                for (int u = wd; u < wend; u++)
                {
                    short* col = xp + u * 64 * B;
                    ulong bits = pp[n * words + u];
                    while (bits != 0) { int k = BitOperations.TrailingZeroCount(bits); bits &= bits - 1; a += Vector512.Load(col + k * B); }
                    bits = mp[n * words + u];
                    while (bits != 0) { int k = BitOperations.TrailingZeroCount(bits); bits &= bits - 1; a2 += Vector512.Load(col + k * B); }
                }
                a -= a2;
                (var l0, var h0) = Vector512.Widen(a);
                (Vector512.Load(op + n * B) + l0).Store(op + n * B);
                (Vector512.Load(op + n * B + 16) + h0).Store(op + n * B + 16);
            }
        }
    }
    // 6. lists per 256-column chunk (offsets as ushort within the chunk), X chunk in L1, no branches on weights
    int chunks = (cols + 255) / 256;
    var cl = new ushort[rows * chunks][]; var cm = new ushort[rows * chunks][];
    for (int n = 0; n < rows; n++) for (int c = 0; c < chunks; c++)
    {
        var p2 = new System.Collections.Generic.List<ushort>(); var m2 = new System.Collections.Generic.List<ushort>();
        for (int k = c * 256; k < Math.Min(cols, c * 256 + 256); k++) { if (w[n, k] > 0) p2.Add((ushort)(k - c * 256)); else if (w[n, k] < 0) m2.Add((ushort)(k - c * 256)); }
        cl[n * chunks + c] = p2.ToArray(); cm[n * chunks + c] = m2.ToArray();
    }
    var lacc = new int[rows * B];
    void ChunkLists()
    {
        Transpose();
        Array.Clear(lacc);
        fixed (short* xp = x) fixed (int* op = lacc)
        for (int c = 0; c < chunks; c++)
        {
            short* col = xp + c * 256 * B;
            for (int n = 0; n < rows; n++)
            {
                var a = Vector512<short>.Zero; var a2 = Vector512<short>.Zero; var b = Vector512<short>.Zero; var b2 = Vector512<short>.Zero;
                var pl = cl[n * chunks + c]; var mi = cm[n * chunks + c];
                int j = 0;
                fixed (ushort* pp = pl)
                {
                    for (; j + 1 < pl.Length; j += 2) { a += Vector512.Load(col + pp[j] * B); a2 += Vector512.Load(col + pp[j + 1] * B); }
                    if (j < pl.Length) a += Vector512.Load(col + pp[j] * B);
                }
                j = 0;
                fixed (ushort* mp2 = mi)
                {
                    for (; j + 1 < mi.Length; j += 2) { b += Vector512.Load(col + mp2[j] * B); b2 += Vector512.Load(col + mp2[j + 1] * B); }
                    if (j < mi.Length) b += Vector512.Load(col + mp2[j] * B);
                }
                a = a + a2 - b - b2;
                (var l0, var h0) = Vector512.Widen(a);
                (Vector512.Load(op + n * B) + l0).Store(op + n * B);
                (Vector512.Load(op + n * B + 16) + h0).Store(op + n * B + 16);
            }
        }
    }
    // 7. pair tables of token vectors: per 64-column chunk, for each pair of columns the nine vectors
    // t0 X[k0] + t1 X[k1] (built with additions), and per row and group one code byte naming two of them
    // (the packed kernel's pair codes, no other weight data); int16 sums per chunk, widened into the row's.
    var pacc = new int[rows * B];
    var ptab = GC.AllocateUninitializedArray<short>(32 * 9 * B + 64, pinned: true);
    void PairTables()
    {
        Transpose();
        Array.Clear(pacc);
        int groups = PairCodes.Groups(cols);
        fixed (short* xp = x) fixed (short* tp = ptab) fixed (int* op = pacc) fixed (byte* cp = codes)
        for (int g0 = 0; g0 < groups; g0 += 16)
        {
            int gend = Math.Min(groups, g0 + 16);
            for (int g = g0; g < gend; g++)
            for (int half = 0; half < 2; half++)
            {
                int k0 = 4 * g + 2 * half;
                var a = k0 < cols ? Vector512.Load(xp + k0 * B) : Vector512<short>.Zero;
                var b = k0 + 1 < cols ? Vector512.Load(xp + (k0 + 1) * B) : Vector512<short>.Zero;
                short* t = tp + ((g - g0) * 18 + 9 * half) * B;
                // entry (t0 + 1) + 3 (t1 + 1)
                (-a - b).Store(t); (-b).Store(t + B); (a - b).Store(t + 2 * B);
                (-a).Store(t + 3 * B); Vector512<short>.Zero.Store(t + 4 * B); a.Store(t + 5 * B);
                (b - a).Store(t + 6 * B); b.Store(t + 7 * B); (a + b).Store(t + 8 * B);
            }
            PairKernel.Rows(cp, tp, op, rows, cols, g0, gend);
        }
    }
    Lut(); TokenParallel(); Masks(); Chunked(); ChunkLists(); PairTables();
    for (int t = 0; t < B; t++) for (int n = 0; n < rows; n++)
    {
        if (acc[t * rows + n] != reference[t * rows + n]) throw new Exception("lut");
        if (tacc[n * B + t] != reference[t * rows + n]) throw new Exception("tp");
        if (macc[n * B + t] != reference[t * rows + n]) throw new Exception("mask");
        if (cacc[n * B + t] != reference[t * rows + n]) throw new Exception("chunked");
        if (lacc[n * B + t] != reference[t * rows + n]) throw new Exception("chunklists");
        if (pacc[n * B + t] != reference[t * rows + n]) throw new Exception("pairtables");
    }
    // 4. single-token LUT product, B times
    var single = new int[rows]; var st = new byte[stride];
    void Single() { for (int t = 0; t < B; t++) { PairSumTables.Build(q[t], packed.Groups, st); PackedTernaryKernel.Product(packed, q[t], st, single); } }
    var names = new[] { "single x32", "lut batch", "token-parallel lists", "token-parallel masks", "masks, 256-col blocks", "lists, 256-col blocks", "pair tables, 64-col blocks" };
    var fns = new Action[] { Single, Lut, TokenParallel, Masks, Chunked, ChunkLists, PairTables };
    var times = new System.Collections.Generic.List<double>[7];
    for (int i = 0; i < 7; i++) times[i] = new();
    for (int r = 0; r < 15; r++)
        for (int i = 0; i < 7; i++) { var sw = Stopwatch.StartNew(); for (int rep = 0; rep < 5; rep++) fns[i](); times[i].Add(sw.Elapsed.TotalMicroseconds / 5 / B); }
    Console.WriteLine($"{rows}x{cols}, B={B}: microseconds per token (median of 15, in turn)");
    for (int i = 0; i < 7; i++) { times[i].Sort(); Console.WriteLine($"  {names[i],-22} {times[i][7],8:F1}  ({times[i][0]:F1}-{times[i][14]:F1})  x{times[0][7] / times[i][7]:F2} vs single"); }
}
}
}
