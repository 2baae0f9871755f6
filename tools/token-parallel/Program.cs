// Issue 17: the runtime's token-parallel product (TokenParallelKernel over PairVectorTables) against the
// packed kernel, per token, at the 370M model's layer shapes, weights in L2/L3 (one layer, reused).
// Variants in turn (MatMulFree.Benchmarking.Interleaved): the packed kernel one token at a time (its
// tables built per token, as decode does), the packed batched path (PackedTernaryKernel.BatchRows), and
// the token-parallel product on each path this CPU has, tables built per call (included), on two threads,
// with 16 tokens, and the variants tried and left (TripleKernel.cs, IndexKernel.cs); PARTS=1 adds the
// tables and the product alone. Each is first checked against the one-token kernel. Arguments:
// [MIN_MS] (default 1500); `explore` runs the first exploration (Exploration.cs) instead, `crossover [MIN_MS]`
// the batch-size sweep (Crossover.cs). Results: docs/performance-history.md, "Prompts and batches".
using System;
using System.Collections.Generic;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using MatMulFree.Benchmarking;
using MatMulFree.Model;
using MatMulFree.Runtime.Kernels;

Console.WriteLine($"Vector512.IsHardwareAccelerated={Vector512.IsHardwareAccelerated}, Avx512BW={Avx512BW.IsSupported}, Avx2={Avx2.IsSupported}");
if (args.Length > 0 && args[0] == "crossover")
{
    Crossover.Run(args.Length > 1 ? double.Parse(args[1]) : 300);
    return;
}
if (args.Length > 0 && args[0] == "explore")
{
    Calibration.Print();
    Exploration.Run();
    return;
}
double minMs = args.Length > 0 ? double.Parse(args[0]) : 1500;
const int B = PairVectorTables.MaxLanes;
foreach (var (rows, cols) in new[] { (1024, 1024), (2816, 1024), (1024, 2816) })
{
    var rng = new Random(rows * 7 + cols);
    var trits = new byte[TernaryMatrix.PackedLength((long)rows * cols)];
    for (long j = 0; j < (long)rows * cols; j++) trits[j >> 2] |= (byte)(rng.Next(3) << (int)(2 * (j & 3)));
    var packed = new PackedTernaryWeights(new TernaryMatrix(rows, cols, 1f, trits));
    int qStride = packed.PaddedColumns;
    var q = new sbyte[B * qStride];
    for (int t = 0; t < B; t++) for (int k = 0; k < cols; k++) q[t * qStride + k] = (sbyte)(rng.Next(255) - 127);
    int stride = PairSumTables.Length(packed.Groups);
    var lutTables = new byte[B * stride];
    var single = new int[B * rows];
    var lut = new int[B * rows];
    var tableArray = GC.AllocateArray<short>(PairVectorTables.Length(packed.Groups) + 32, pinned: true);
    int misalign = Environment.GetEnvironmentVariable("MISALIGN") == "1" ? 8 : 0;
    unsafe { fixed (short* p0 = tableArray) misalign += (int)((64 - ((long)p0 & 63)) & 63) / 2; }
    var tables = new Memory<short>(tableArray, misalign, PairVectorTables.Length(packed.Groups)).Span.ToArray().Length > 0 ? new ArraySegment<short>(tableArray, misalign, PairVectorTables.Length(packed.Groups)) : default;
    var paths = new List<KernelPath>();
    foreach (var p in new[] { KernelPath.Avx512, KernelPath.Avx2, KernelPath.Vector128 }) if (PackedTernaryKernel.IsSupported(p)) paths.Add(p);
    var tp = new int[paths.Count][];
    void Single()
    {
        for (int t = 0; t < B; t++) PackedTernaryKernel.Product(packed, q.AsSpan(t * qStride, qStride), lutTables.AsSpan(0, stride), single.AsSpan(t * rows, rows));
    }
    void Lut()
    {
        for (int t = 0; t < B; t++) PairSumTables.Build(q.AsSpan(t * qStride, qStride), packed.Groups, lutTables.AsSpan(t * stride, stride));
        PackedTernaryKernel.BatchRows(packed, lutTables, stride, B, lut, 0, rows);
    }
    Action TokenParallel(int i) => () =>
    {
        PairVectorTables.Build(q, qStride, B, cols, packed.Groups, tables);
        TokenParallelKernel.Product(paths[i], packed, tables, B, tp[i], 0, rows);
    };
    var calls = new List<Action> { Single, Lut };
    var names = new List<string> { "packed, one token at a time", "packed, batched (BatchRows)" };
    for (int i = 0; i < paths.Count; i++) { tp[i] = new int[B * rows]; calls.Add(TokenParallel(i)); names.Add($"token-parallel, {paths[i]}"); }
    var workers = new MatMulFree.Runtime.Kernels.RowWorkers(2);
    var parallel = new ParallelPackedProduct(packed);
    var aligned = new MatMulFree.Runtime.AlignedBuffer<short>(PairVectorTables.Length(packed.Groups));
    var tp2 = new int[B * rows];
    calls.Add(() => parallel.RunTokenParallel(workers, q, qStride, B, aligned, tp2)); names.Add("token-parallel, best, 2 threads");
    var single2 = new int[B * rows];
    var tables2 = new byte[stride];
    calls.Add(() => { for (int t = 0; t < B; t++) parallel.Run(workers, q.AsSpan(t * qStride, qStride), tables2, single2); }); names.Add("packed, one token at a time, 2 threads");
    var tripleCodes = TripleKernel.Codes((n, k) => { long j = (long)n * cols + k; int code = (trits[j >> 2] >> (int)(2 * (j & 3))) & 3; return code == 1 ? 1 : code == 2 ? -1 : 0; }, rows, cols, out int tripleStride);
    var tripleTables = new MatMulFree.Runtime.AlignedBuffer<short>(TripleKernel.Triples(cols) * TripleKernel.TripleShorts);
    var triple = new int[B * rows];
    calls.Add(() => { unsafe { fixed (short* tt = tripleTables.Span) fixed (byte* cc = tripleCodes) fixed (int* aa = triple) { TripleKernel.Build(q, qStride, B, cols, tt); TripleKernel.Product(cc, tripleStride, rows, tt, B, aa); } } }); names.Add("triples, Avx512");
    calls.Add(() => { unsafe { fixed (short* tt = tripleTables.Span) TripleKernel.Build(q, qStride, B, cols, tt); } }); names.Add("  triples: tables only");
    calls.Add(() => { unsafe { fixed (short* tt = tripleTables.Span) fixed (byte* cc = tripleCodes) fixed (int* aa = triple) TripleKernel.Product(cc, tripleStride, rows, tt, B, aa); } }); names.Add("  triples: product only");
    var indexes = IndexKernel.Indexes(packed, out int indexStride);
    var viaIndex = new int[B * rows];
    calls.Add(() => { PairVectorTables.Build(q, qStride, B, cols, packed.Groups, tables); unsafe { fixed (short* tt = tables.AsSpan()) fixed (byte* ii = indexes) fixed (int* aa = viaIndex) IndexKernel.Product(ii, indexStride, rows, tt, B, aa); } }); names.Add("pair index bytes, Avx512");
    var tp16 = new int[B * rows];
    calls.Add(() => { PairVectorTables.Build(q, qStride, 16, cols, packed.Groups, tables); TokenParallelKernel.Product(paths[0], packed, tables, 16, tp16, 0, rows); }); names.Add("token-parallel, 16 tokens (x32/16)");
    if (Environment.GetEnvironmentVariable("PARTS") == "1")
    {
        calls.Add(() => PairVectorTables.Build(q, qStride, B, cols, packed.Groups, tables)); names.Add("  tables only");
        calls.Add(() => TokenParallelKernel.Product(paths[0], packed, tables, B, tp[0], 0, rows)); names.Add("  product only");
    }
    foreach (var c in calls) c();
    for (int i = 0; i < paths.Count; i++)
        if (!tp[i].AsSpan().SequenceEqual(single) || !lut.AsSpan().SequenceEqual(single)) throw new Exception($"{rows}x{cols}: {paths[i]} differs");
    if (!triple.AsSpan().SequenceEqual(single)) throw new Exception("triples differ");
    if (!viaIndex.AsSpan().SequenceEqual(single)) throw new Exception("index bytes differ");
    var us = Interleaved.MicrosecondsPerCall(minMs, calls.ToArray());
    Console.WriteLine($"{rows}x{cols}, {B} tokens: microseconds per token (medians, variants in turn), speed against one token at a time");
    for (int i = 0; i < calls.Count; i++)
    {
        double perToken = names[i].Contains("16 tokens") ? us[i] / 16 : us[i] / B;
        Console.WriteLine($"  {names[i],-40} {perToken,8:F2}  x{us[0] / B / perToken:F2}");
    }
}
