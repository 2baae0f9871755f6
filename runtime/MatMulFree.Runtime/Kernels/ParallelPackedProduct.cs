using System;

namespace MatMulFree.Runtime.Kernels
{
    /// <summary>
    /// One packed ternary product whose rows can be split across a
    /// <see cref="RowWorkers"/> pool: the layers of the generic runtime and the
    /// packed layers of generated models use it. The tables are built once on the
    /// calling thread; the split only divides blocks of rows, so the integers are the
    /// same with any number of threads. Nothing is allocated per call; concurrent calls
    /// on the same weights take turns (a lock), since the work item carries the
    /// buffers of the current call.
    /// </summary>
    public sealed class ParallelPackedProduct
    {
        private readonly PackedProductWork _work;
        private readonly PackedBatchWork _batch;
        private readonly TokenParallelWork _tokens;

        public ParallelPackedProduct(PackedTernaryWeights weights)
        {
            Weights = weights;
            _work = new PackedProductWork(weights);
            _batch = new PackedBatchWork(weights);
            _tokens = new TokenParallelWork(weights);
        }

        public PackedTernaryWeights Weights { get; }

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
            var workers = scratch.Workers;
            if (workers != null && workers.Threads > 1 && PackedTernaryKernel.Best != KernelPath.Scalar
                && WeightCount >= scratch.ParallelMinimumWeights && acc.Length == Weights.Rows)
            {
                Run(workers, q, scratch.Tables, scratch.Accumulators);
                return;
            }
            PackedTernaryKernel.Product(Weights, q, scratch.Tables, acc);
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
            private readonly KernelPath _path = PackedTernaryKernel.Best;

            public TokenParallelWork(PackedTernaryWeights weights) => _weights = weights;

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
            private readonly KernelPath _path = PackedTernaryKernel.Best;

            public PackedProductWork(PackedTernaryWeights weights) => _weights = weights;

            public byte[] Tables { get; set; } = Array.Empty<byte>();
            public int[] Accumulators { get; set; } = Array.Empty<int>();

            public void Execute(int start, int count) =>
                PackedTernaryKernel.TableRows(_path, _weights, Tables, Accumulators, start, count);
        }

        /// <summary>The rows of one batched product, with the buffers of the current call.</summary>
        private sealed class PackedBatchWork : IRowWork
        {
            private readonly PackedTernaryWeights _weights;

            public PackedBatchWork(PackedTernaryWeights weights) => _weights = weights;

            public byte[] Tables { get; set; } = Array.Empty<byte>();
            public int[] Accumulators { get; set; } = Array.Empty<int>();
            public int Stride { get; set; }
            public int Batch { get; set; }

            public void Execute(int start, int count) =>
                PackedTernaryKernel.BatchRows(_weights, Tables, Stride, Batch, Accumulators, start, count);
        }
    }
}
