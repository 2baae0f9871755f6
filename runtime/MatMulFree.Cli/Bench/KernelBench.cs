using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading;
using MatMulFree.Benchmarking;
using MatMulFree.Model;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Kernels;

namespace MatMulFree.Cli.Bench
{
    /// <summary>One measured kernel at one shape, with the streaming read it is compared with.</summary>
    internal sealed record KernelResult(string Shape, int Rows, int Columns, string Kernel, long Bytes, double MedianMicroseconds, double BoundMicroseconds)
    {
        public double GigabytesPerSecond => Bytes / (MedianMicroseconds * 1e3);
        /// <summary>Time over the streaming-read time of the packed weight bytes on as many threads, the two
        /// timed sample by sample in alternation (<see cref="KernelBench.TimeAgainst"/>).</summary>
        public double RatioToBound => MedianMicroseconds / BoundMicroseconds;
    }

    /// <summary>
    /// Ternary matrix-vector products at one shape, batch 1, weights cold: each
    /// kernel cycles through enough copies of its weights (over 256 MiB) that they
    /// come from DRAM, like a real model's layers. Compared with a streaming read
    /// of the packed weight bytes (this machine's bandwidth bound, same run) and a
    /// multiply-based int8 dot product (a baseline only: the product kernels never multiply).
    /// </summary>
    internal static class KernelBench
    {
        private const long ColdBytes = 256L << 20;

        public static List<KernelResult> Run(int rows, int columns, int threads, double minMilliseconds, RowWorkers? workers)
        {
            string shape = $"{rows}x{columns}";
            var random = new Random(rows * 31 + columns);
            var matrix = RandomTernary(rows, columns, random);
            var packed = Copies(new PackedTernaryWeights(matrix), m => m.WeightBytes, () => new PackedTernaryWeights(matrix));
            var bytesPerWeight = Copies(new TernaryWeights(matrix), m => m.Data.LongLength, () => new TernaryWeights(matrix));
            var q = new sbyte[TernaryKernel.PaddedColumns(columns)];
            for (int k = 0; k < columns; k++) q[k] = (sbyte)random.Next(-127, 128);
            var tables = new byte[PairSumTables.LengthForColumns(columns)];
            var acc = new int[rows];
            long packedBytes = packed[0].WeightBytes;

            // The bandwidth bound: a vectorized sum over as many bytes as the packed weights.
            var stream = new List<byte[]>();
            for (long have = 0; (have < ColdBytes && stream.Count < 4096) || stream.Count == 0; have += packedBytes)
            {
                // Written, not just allocated: untouched pages all map the one zero page and stay in cache.
                var buffer = new byte[packedBytes];
                random.NextBytes(buffer);
                stream.Add(buffer);
            }
            int s = 0;
            Action streamOne = () => Sink += StreamSum(stream[s++ % stream.Count]);
            double streamUs = Time(streamOne, minMilliseconds);
            var results = new List<KernelResult> { new KernelResult(shape, rows, columns, "stream read (bound)", packedBytes, streamUs, streamUs) };
            Action streamAll = streamOne;
            if (workers != null && workers.Threads > 1)
            {
                // The bound of the multi-threaded rows: the same bytes read by all the threads, split as they
                // split rows. Its own ratio is to the one-thread read (what the second thread adds to the bound).
                var streamWork = new StreamWork();
                streamAll = () =>
                {
                    streamWork.Data = stream[s++ % stream.Count];
                    workers.Run(streamWork, streamWork.Data.Length / StreamWork.LineBytes, 1);
                };
                results.Add(Measure($"stream read, {threads} threads", packedBytes, streamAll, streamOne));
            }
            int p = 0;
            results.Add(Measure($"packed 2-bit, 1 thread ({PackedTernaryKernel.Best})", packedBytes,
                () => PackedTernaryKernel.Product(packed[p++ % packed.Count], q, tables, acc), streamOne));
            // The same call on one copy of the weights, which stays in cache (L2 or L3) from call to call: the
            // kernel's own work, without waiting for memory. At or above 1.0 the kernel is bound by its
            // instructions, not by DRAM, and the row above can only approach it by overlapping the two.
            results.Add(Measure("packed 2-bit, 1 thread, weights in cache", packedBytes,
                () => PackedTernaryKernel.Product(packed[0], q, tables, acc), streamOne));
            if (workers != null && workers.Threads > 1)
            {
                // What the runtime's layers call: tables built, then the rows split across the workers.
                var products = packed.ConvertAll(w => new ParallelPackedProduct(w));
                results.Add(Measure($"packed 2-bit, {threads} threads", packedBytes,
                    () => products[p++ % products.Count].Run(workers, q, tables, acc), streamAll));
            }
            // Batch 16 (prefill, or 16 sessions): the weights are read once for 16 token vectors; time per
            // token, the tables of the 16 vectors built in each call, against one read of the weights.
            const int batch = 16;
            var batchQ = new sbyte[batch * q.Length];
            for (int k = 0; k < batchQ.Length; k++) batchQ[k] = (sbyte)random.Next(-128, 128);
            var batchTables = new byte[batch * tables.Length];
            var accBatch = new int[batch * rows];
            var (batchUs, batchBoundUs) = TimeAgainst(() =>
            {
                var w = packed[p++ % packed.Count];
                for (int v = 0; v < batch; v++)
                {
                    PairSumTables.Build(batchQ.AsSpan(v * q.Length, q.Length), w.Groups, batchTables.AsSpan(v * tables.Length, tables.Length));
                }
                PackedTernaryKernel.BatchRows(w, batchTables, tables.Length, batch, accBatch, 0, rows);
            }, streamOne, minMilliseconds);
            results.Add(new KernelResult(shape, rows, columns, "packed 2-bit, batch 16, 1 thread (per token)", packedBytes / batch, batchUs / batch, batchBoundUs));
            // The token-parallel product (the batched step's at the sizes ParallelPackedProduct.TokenParallel names): the tokens in
            // the lanes of its tables, built in each call from the quantized vectors; per token.
            var pairVectors = new AlignedBuffer<short>(PairVectorTables.LengthForColumns(columns));
            var tokenQ = new sbyte[PairVectorTables.MaxLanes * q.Length];
            for (int k = 0; k < tokenQ.Length; k++) tokenQ[k] = (sbyte)random.Next(-128, 128);
            var accTokens = new int[PairVectorTables.MaxLanes * rows];
            foreach (int tokens in new[] { 16, PairVectorTables.MaxLanes })
            {
                var (tokenUs, tokenBoundUs) = TimeAgainst(() =>
                {
                    var w = packed[p++ % packed.Count];
                    PairVectorTables.Build(tokenQ, q.Length, tokens, columns, w.Groups, pairVectors.Span);
                    TokenParallelKernel.Product(PackedTernaryKernel.Best, w, pairVectors.Span, tokens, accTokens, 0, rows);
                }, streamOne, minMilliseconds);
                results.Add(new KernelResult(shape, rows, columns, $"token-parallel, batch {tokens}, 1 thread (per token)", packedBytes / tokens, tokenUs / tokens, tokenBoundUs));
            }
            int b = 0;
            long signedBytes = bytesPerWeight[0].Data.LongLength;
            results.Add(Measure("int8 weights, masks (Vector<T>)", signedBytes,
                () => TernaryKernel.SimdProduct(bytesPerWeight[b++ % bytesPerWeight.Count], q, acc), streamOne));
            results.Add(Measure("int8 dot product, multiplies (baseline)", signedBytes,
                () => DotProduct(bytesPerWeight[b++ % bytesPerWeight.Count], q, acc), streamOne));
            return results;

            KernelResult Measure(string kernel, long bytes, Action call, Action bound)
            {
                var (us, boundUs) = TimeAgainst(call, bound, minMilliseconds);
                return new KernelResult(shape, rows, columns, kernel, bytes, us, boundUs);
            }
        }

        public static long Sink;

        /// <summary>A streaming read split by 64-byte lines (<see cref="StreamSum"/> over each thread's share).</summary>
        private sealed class StreamWork : IRowWork
        {
            public const int LineBytes = 64;
            public byte[] Data = Array.Empty<byte>();

            public void Execute(int start, int count)
            {
                int end = Math.Min(Data.Length, (start + count) * LineBytes);
                Interlocked.Add(ref Sink, StreamSum(Data.AsSpan(start * LineBytes, end - start * LineBytes)));
            }
        }

        private static List<T> Copies<T>(T first, Func<T, long> bytes, Func<T> make)
        {
            var list = new List<T> { first };
            long each = Math.Max(1, bytes(first));
            while ((long)list.Count * each < ColdBytes && list.Count < 4096)
            {
                list.Add(make());
            }
            return list;
        }

        internal static TernaryMatrix RandomTernary(int rows, int columns, Random random)
        {
            // About 2/3 non-zero, like the trained and random models here.
            long n = (long)rows * columns;
            var packed = new byte[TernaryMatrix.PackedLength(n)];
            for (long j = 0; j < n; j++)
            {
                int code = random.Next(3);
                packed[j >> 2] |= (byte)(code << (int)(2 * (j & 3)));
            }
            return new TernaryMatrix(rows, columns, 0.02f, packed);
        }

        /// <summary>Median microseconds per call.</summary>
        public static double Time(Action call, double minMilliseconds) => Interleaved.MicrosecondsPerCall(minMilliseconds, call)[0];

        /// <summary>Median microseconds per call of <paramref name="call"/> and of <paramref name="bound"/>, timed in
        /// turn over the same period (<see cref="Interleaved"/>): the table reports their ratio.</summary>
        public static (double Call, double Bound) TimeAgainst(Action call, Action bound, double minMilliseconds)
        {
            var us = Interleaved.MicrosecondsPerCall(minMilliseconds, call, bound);
            return (us[0], us[1]);
        }

        private static long StreamSum(ReadOnlySpan<byte> data)
        {
            var v = MemoryMarshal.Cast<byte, Vector<ulong>>(data);
            var sum = Vector<ulong>.Zero;
            for (int k = 0; k < v.Length; k++) sum += v[k];
            return (long)Vector.Sum(sum);
        }

        /// <summary>The multiply-based baseline: sign-extend to 16 bits, vpmaddwd, accumulate.</summary>
        private static void DotProduct(TernaryWeights w, ReadOnlySpan<sbyte> q, Span<int> acc)
        {
            var qv = MemoryMarshal.Cast<sbyte, Vector<sbyte>>(q.Slice(0, w.Stride));
            for (int n = 0; n < w.Rows; n++)
            {
                var tv = MemoryMarshal.Cast<sbyte, Vector<sbyte>>(w.Row(n));
                var total = Vector<int>.Zero;
                for (int j = 0; j < tv.Length; j++)
                {
                    Vector.Widen(tv[j], out Vector<short> t0, out Vector<short> t1);
                    Vector.Widen(qv[j], out Vector<short> x0, out Vector<short> x1);
                    if (Avx2.IsSupported && Vector<short>.Count == 16)
                    {
                        total += Avx2.MultiplyAddAdjacent(t0.AsVector256(), x0.AsVector256()).AsVector()
                               + Avx2.MultiplyAddAdjacent(t1.AsVector256(), x1.AsVector256()).AsVector();
                    }
                    else
                    {
                        Vector.Widen(t0 * x0 + t1 * x1, out Vector<int> a, out Vector<int> c);
                        total += a + c;
                    }
                }
                acc[n] = Vector.Sum(total);
            }
        }
    }
}
