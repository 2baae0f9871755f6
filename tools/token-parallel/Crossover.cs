using System;
using System.Collections.Generic;
using MatMulFree.Benchmarking;
using MatMulFree.Model;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Kernels;

/// <summary>
/// `crossover`: per batch size, the packed kernel vector by vector (PackedTernaryKernel.BatchRows, tables built
/// per vector) against the token-parallel product (tables built per call), microseconds per call, in turn:
/// where ParallelPackedProduct.TokenParallelMinimumBatch should lie.
/// </summary>
internal static class Crossover
{
    public static void Run(double minMs)
    {
        foreach (var (rows, cols) in new[] { (1024, 1024), (2816, 1024), (1024, 2816) })
        {
            var rng = new Random(rows + cols);
            var trits = new byte[TernaryMatrix.PackedLength((long)rows * cols)];
            for (long j = 0; j < (long)rows * cols; j++) trits[j >> 2] |= (byte)(rng.Next(3) << (int)(2 * (j & 3)));
            var w = new PackedTernaryWeights(new TernaryMatrix(rows, cols, 1f, trits));
            int stride = w.PaddedColumns;
            var q = new sbyte[32 * stride];
            for (int i = 0; i < q.Length; i++) q[i] = (sbyte)(rng.Next(255) - 127);
            int tableStride = PairSumTables.Length(w.Groups);
            var lut = new byte[32 * tableStride];
            var acc = new int[32 * rows];
            var tables = new AlignedBuffer<short>(PairVectorTables.Length(w.Groups));
            Console.WriteLine($"{rows}x{cols}: microseconds per call, vector by vector / token-parallel (ratio < 1: token-parallel faster)");
            foreach (int count in new[] { 8, 10, 12, 14, 16, 17, 20, 24, 28, 32 })
            {
                var us = Interleaved.MicrosecondsPerCall(minMs,
                    () =>
                    {
                        for (int t = 0; t < count; t++) PairSumTables.Build(q.AsSpan(t * stride, stride), w.Groups, lut.AsSpan(t * tableStride, tableStride));
                        PackedTernaryKernel.BatchRows(w, lut, tableStride, count, acc, 0, rows);
                    },
                    () =>
                    {
                        PairVectorTables.Build(q, stride, count, cols, w.Groups, tables.Span);
                        TokenParallelKernel.Product(PackedTernaryKernel.Best, w, tables.Span, count, acc, 0, rows);
                    });
                Console.WriteLine($"  {count,2} vectors: {us[0],8:F1} / {us[1],8:F1}   {us[1] / us[0]:F2}");
            }
        }
    }
}
