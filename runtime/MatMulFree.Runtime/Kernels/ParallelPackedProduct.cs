using System;

namespace MatMulFree.Runtime.Kernels
{
    /// <summary>
    /// One packed ternary product whose rows can be split across a
    /// <see cref="RowWorkers"/> pool: the layers of the generic runtime and the
    /// packed layers of generated models use it, for one token and for a batch. A
    /// token's tables are built once on the calling thread; a batch's quantization and
    /// tables are split by vectors or by groups of columns, and every product only
    /// divides blocks of rows, so the integers are the same with any number of threads. Nothing is allocated per call; concurrent calls
    /// on the same weights take turns (a lock), since the work item carries the
    /// buffers of the current call.
    /// </summary>
    public sealed unsafe class ParallelPackedProduct
    {
        private readonly PackedProductWork _work;
        private readonly PackedBatchWork _batch;
        private readonly TokenParallelWork _tokens;
        private readonly BatchActivationTables _activations;

        /// <param name="path">The kernels' instruction-set path (default: the best this machine has).</param>
        public ParallelPackedProduct(PackedTernaryWeights weights, KernelPath? path = null)
        {
            Weights = weights;
            Path = path ?? PackedTernaryKernel.Best;
            _work = new PackedProductWork(weights, Path);
            _batch = new PackedBatchWork(weights, Path);
            _tokens = new TokenParallelWork(weights, Path);
            _activations = new BatchActivationTables(weights.Columns, weights.Groups);
        }

        public PackedTernaryWeights Weights { get; }

        /// <summary>The kernels' instruction-set path.</summary>
        public KernelPath Path { get; }

        /// <summary>Batches of this many vectors up to 16 run the token-parallel product on 16 lanes
        /// (<see cref="TokenParallelKernel"/>, whose cost is that of its lanes whatever the count), and of
        /// <see cref="TokenParallelMinimumWideBatch"/> to 32 on 32 lanes; the others run the packed kernel
        /// vector by vector (<see cref="PackedTernaryKernel.BatchRows"/>). Measured on the Zen 4 guest at
        /// 1024x1024, 2816x1024 and 1024x2816 (`tools/token-parallel crossover`; docs/performance.md,
        /// "Prompts and batches"): 16 lanes cost what 12-13 vectors one by one cost, 32 lanes what 19-20 do.</summary>
        public const int TokenParallelMinimumBatch = 13;

        /// <summary>The smallest batch that runs the token-parallel product on 32 lanes (<see cref="TokenParallelMinimumBatch"/>).</summary>
        public const int TokenParallelMinimumWideBatch = 20;

        /// <summary>Whether a batch of <paramref name="count"/> vectors runs the token-parallel product.</summary>
        public static bool TokenParallel(int count) =>
            count >= TokenParallelMinimumBatch && count <= PairVectorTables.MaxLanes && (count <= 16 || count >= TokenParallelMinimumWideBatch);

        /// <summary>
        /// Chunks per thread of a one-vector product: a kernel prefetches the next block only within
        /// its chunk, so small chunks (a single block for a 1024-row layer at <see cref="RowWorkers.ChunksPerThread"/>)
        /// leave every first block to wait on memory. Measured on the 2-vCPU Zen 3 guest
        /// (docs/performance-history.md): 2 per thread against 8, products 10-20 % faster at 2816x1024,
        /// 1024x2816 and 2048x2048, and `mmf generate` on the 370M model 110-112 against 97-98
        /// tokens/s; with two CPU hogs beside it 83 and 50 against 69 and 43 (threads claim
        /// chunks as they run, so a descheduled worker still holds up at most the one it took).
        /// A batch keeps the default: its chunks are 16 times longer.
        /// </summary>
        public const int SingleVectorChunksPerThread = 2;

        private long WeightCount => (long)Weights.Rows * Weights.Columns;

        /// <summary>acc = W q: on <paramref name="scratch"/>'s workers when it has some, with more
        /// than one thread, and the layer has at least its <see cref="StepScratch.ParallelMinimumWeights"/>;
        /// else on the calling thread.</summary>
        public void Product(ReadOnlySpan<sbyte> q, StepScratch scratch, Span<int> acc)
        {
            var workers = WorkersFor(scratch);
            if (workers != null && acc.Length == Weights.Rows)
            {
                Run(workers, q, scratch.Tables, scratch.Accumulators);
                return;
            }
            PackedTernaryKernel.Product(Path, Weights, q, scratch.Tables, acc, 0, Weights.Rows);
        }

        /// <summary><paramref name="scratch"/>'s workers if this product should use them: more than one
        /// thread, a vector path, and at least <see cref="StepScratch.ParallelMinimumWeights"/> weights.</summary>
        public RowWorkers? WorkersFor(StepScratch scratch)
        {
            var workers = scratch.Workers;
            return workers != null && workers.Threads > 1 && Path != KernelPath.Scalar && WeightCount >= scratch.ParallelMinimumWeights
                ? workers : null;
        }

        /// <summary>
        /// One BitLinear on this product, as a generated model's packed layer runs it: RMSNorm of
        /// <paramref name="x"/> with <paramref name="inverseRms"/> and the layer's <paramref name="norm"/>
        /// weight and int8 absmax quantization (q and its scale s), acc = W q exact in integers
        /// (<see cref="Product"/>), and y = acc * (beta / s): the operations, in order, of
        /// <see cref="BitLinearLayer.Forward"/>, so the same bits.
        /// </summary>
        public void Forward(ReadOnlySpan<float> x, float inverseRms, ReadOnlySpan<float> norm, StepScratch scratch, Span<float> y)
        {
            float s = ActivationQuantizer.Quantize(x, inverseRms, norm, scratch.Quantized);
            var acc = scratch.Accumulators.AsSpan(0, Weights.Rows);
            Product(scratch.Quantized, scratch, acc);
            Dequantizer.Apply(acc, Weights.Beta, s, y);
        }

        /// <summary>
        /// The same BitLinear for <paramref name="count"/> vectors at once (rows of <paramref name="x"/>,
        /// stride Columns; outputs in <paramref name="y"/>, stride Rows): each vector quantized on its own
        /// with its <paramref name="inverseRms"/> and the layer's <paramref name="norm"/>, exactly as in
        /// <see cref="Forward"/>; the product of the batch, with the weights read once
        /// (<see cref="TokenParallelKernel"/> for the batch sizes <see cref="TokenParallel"/> names, else
        /// <see cref="PackedTernaryKernel.BatchRows"/>); each vector dequantized. Bit-identical to
        /// <see cref="Forward"/> per vector. <paramref name="workers"/> (or null) share the quantization,
        /// the tables and the rows.
        /// </summary>
        public void ForwardBatch(ReadOnlySpan<float> x, ReadOnlySpan<float> inverseRms, int count, float[] norm, BatchScratch batch, RowWorkers? workers, Span<float> y)
        {
            int rows = Weights.Rows, columns = Weights.Columns;
            if (count < 1 || count > batch.Capacity || x.Length < count * columns || inverseRms.Length < count
                || y.Length < count * rows || norm.Length != columns)
            {
                throw new ArgumentException("a batch outside the scratch's capacity, or inputs, norm or outputs of the wrong size");
            }
            if (workers != null && workers.Threads < 2)
            {
                workers = null;
            }
            bool tokenParallel = TokenParallel(count);
            lock (_activations)
            {
                fixed (float* inputs = x)
                fixed (float* rms = inverseRms)
                {
                    _activations.Norm = norm;
                    _activations.Inputs = inputs;
                    _activations.InverseRms = rms;
                    _activations.Batch = batch;
                    _activations.LookupTables = !tokenParallel;
                    try
                    {
                        if (workers != null)
                        {
                            workers.Run(_activations, count);
                        }
                        else
                        {
                            _activations.Execute(0, count);
                        }
                    }
                    finally
                    {
                        _activations.Norm = Array.Empty<float>();
                        _activations.Inputs = null;
                        _activations.InverseRms = null;
                        _activations.Batch = null;
                    }
                }
            }
            var acc = batch.Accumulators.AsSpan(0, count * rows);
            if (tokenParallel && workers != null)
            {
                RunTokenParallel(workers, batch.Quantized, batch.QuantizedStride, count, batch.PairVectors, batch.Accumulators);
            }
            else if (tokenParallel)
            {
                var tables = batch.PairVectors.Span;
                PairVectorTables.Build(batch.Quantized, batch.QuantizedStride, count, columns, Weights.Groups, tables);
                TokenParallelKernel.Product(Path, Weights, tables, count, acc, 0, rows);
            }
            else if (workers != null)
            {
                RunBatch(workers, batch.Tables, batch.TableStride, count, batch.Accumulators);
            }
            else
            {
                PackedTernaryKernel.BatchRows(Path, Weights, batch.Tables, batch.TableStride, count, acc, 0, rows);
            }
            for (int t = 0; t < count; t++)
            {
                Dequantizer.Apply(acc.Slice(t * rows, rows), Weights.Beta, batch.Scales[t], y.Slice(t * rows, rows));
            }
        }

        /// <summary>acc[0..Rows) of <paramref name="accumulators"/> = W q, rows split across <paramref name="workers"/>.</summary>
        public void Run(RowWorkers workers, ReadOnlySpan<sbyte> q, byte[] tables, int[] accumulators)
        {
            lock (_work)
            {
                PairSumTables.Build(q, Weights.Groups, tables);
                _work.Tables = tables;
                _work.Accumulators = accumulators;
                workers.Run(_work, Weights.Rows, PackedTernaryWeights.BlockRows, SingleVectorChunksPerThread);
            }
        }

        /// <summary>The batched product of <paramref name="batch"/> vectors whose tables <paramref name="tables"/>
        /// holds at a stride of <paramref name="stride"/> bytes (<see cref="PackedTernaryKernel.BatchRows"/>), rows split across <paramref name="workers"/> (prefill).</summary>
        public void RunBatch(RowWorkers workers, byte[] tables, int stride, int batch, int[] accumulators)
        {
            lock (_batch)
            {
                _batch.Tables = tables;
                _batch.Stride = stride;
                _batch.Accumulators = accumulators;
                _batch.Batch = batch;
                workers.Run(_batch, Weights.Rows, PackedTernaryWeights.BlockRows);
            }
        }

        /// <summary>
        /// The token-parallel product of <paramref name="batch"/> quantized vectors (row t of
        /// <paramref name="quantized"/> at t * <paramref name="stride"/>): their <see cref="PairVectorTables"/>
        /// built with the groups split across <paramref name="workers"/>, then the rows split
        /// (<see cref="TokenParallelKernel"/>); token t's sums at <paramref name="accumulators"/>[t * Rows].
        /// </summary>
        public void RunTokenParallel(RowWorkers workers, sbyte[] quantized, int stride, int batch, AlignedBuffer<short> tables, int[] accumulators)
        {
            lock (_tokens)
            {
                _tokens.Quantized = quantized;
                _tokens.Stride = stride;
                _tokens.Batch = batch;
                _tokens.Tables = tables;
                _tokens.Accumulators = accumulators;
                try
                {
                    _tokens.BuildingTables = true;
                    workers.Run(_tokens, Weights.Groups, TokenParallelKernel.ChunkGroups);
                    _tokens.BuildingTables = false;
                    workers.Run(_tokens, Weights.Rows, PackedTernaryWeights.BlockRows);
                }
                finally
                {
                    _tokens.Quantized = Array.Empty<sbyte>();
                    _tokens.Tables = null;
                    _tokens.Accumulators = Array.Empty<int>();
                }
            }
        }

        /// <summary>The tables' groups, then the rows, of one token-parallel product, with the buffers of the current call.</summary>
        private sealed class TokenParallelWork : IRowWork
        {
            private readonly PackedTernaryWeights _weights;
            private readonly KernelPath _path;

            public TokenParallelWork(PackedTernaryWeights weights, KernelPath path)
            {
                _weights = weights;
                _path = path;
            }

            public bool BuildingTables { get; set; }
            public sbyte[] Quantized { get; set; } = Array.Empty<sbyte>();
            public int Stride { get; set; }
            public int Batch { get; set; }
            public AlignedBuffer<short>? Tables { get; set; }
            public int[] Accumulators { get; set; } = Array.Empty<int>();

            public void Execute(int start, int count)
            {
                if (BuildingTables)
                {
                    PairVectorTables.Build(Quantized, Stride, Batch, _weights.Columns, _weights.Groups, Tables!.Span, start, count);
                }
                else
                {
                    TokenParallelKernel.Product(_path, _weights, Tables!.Span, Batch, Accumulators, start, count);
                }
            }
        }

        /// <summary>The rows of one product, with the buffers of the current call.</summary>
        private sealed class PackedProductWork : IRowWork
        {
            private readonly PackedTernaryWeights _weights;
            private readonly KernelPath _path;

            public PackedProductWork(PackedTernaryWeights weights, KernelPath path)
            {
                _weights = weights;
                _path = path;
            }

            public byte[] Tables { get; set; } = Array.Empty<byte>();
            public int[] Accumulators { get; set; } = Array.Empty<int>();

            public void Execute(int start, int count) =>
                PackedTernaryKernel.TableRows(_path, _weights, Tables, Accumulators, start, count);
        }

        /// <summary>The rows of one batched product, with the buffers of the current call.</summary>
        private sealed class PackedBatchWork : IRowWork
        {
            private readonly PackedTernaryWeights _weights;
            private readonly KernelPath _path;

            public PackedBatchWork(PackedTernaryWeights weights, KernelPath path)
            {
                _weights = weights;
                _path = path;
            }

            public byte[] Tables { get; set; } = Array.Empty<byte>();
            public int[] Accumulators { get; set; } = Array.Empty<int>();
            public int Stride { get; set; }
            public int Batch { get; set; }

            public void Execute(int start, int count) =>
                PackedTernaryKernel.BatchRows(_path, _weights, Tables, Stride, Batch, Accumulators, start, count);
        }
    }
}
