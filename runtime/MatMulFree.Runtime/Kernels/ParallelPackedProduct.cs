using System;

namespace MatMulFree.Runtime.Kernels
{
    /// <summary>
    /// One packed ternary product whose rows can be split across a
    /// <see cref="RowWorkers"/> pool: the layers of the generic runtime and the
    /// packed layers of generated models use it. The split only divides rows, so
    /// the integers are the same with any number of threads. Nothing is allocated
    /// per call; concurrent calls on the same weights take turns (a lock), since
    /// the work item carries the buffers of the current call.
    /// </summary>
    public sealed class ParallelPackedProduct
    {
        private readonly PackedProductWork _work;
        private readonly PackedBatchWork _batch;

        public ParallelPackedProduct(PackedTernaryWeights weights)
        {
            Weights = weights;
            _work = new PackedProductWork(weights);
            _batch = new PackedBatchWork(weights);
        }

        public PackedTernaryWeights Weights { get; }

        private long WeightCount => (long)Weights.Rows * Weights.Columns;

        /// <summary>acc = W q: on <paramref name="scratch"/>'s workers when it has some, with more
        /// than one thread, and the layer has at least its <see cref="StepScratch.ParallelMinimumWeights"/>;
        /// else on the calling thread.</summary>
        public void Product(ReadOnlySpan<sbyte> q, StepScratch scratch, Span<int> acc)
        {
            var workers = scratch.Workers;
            if (workers != null && workers.Threads > 1 && PackedTernaryKernel.Best != PackedKernelPath.Scalar
                && WeightCount >= scratch.ParallelMinimumWeights && acc.Length == Weights.Rows)
            {
                Run(workers, q, scratch.Biased, scratch.Accumulators);
                return;
            }
            PackedTernaryKernel.Product(Weights, q, scratch.Biased, acc);
        }

        /// <summary>acc[0..Rows) of <paramref name="accumulators"/> = W q, rows split across <paramref name="workers"/>.</summary>
        public void Run(RowWorkers workers, ReadOnlySpan<sbyte> q, byte[] biased, int[] accumulators)
        {
            lock (_work)
            {
                PackedTernaryKernel.Bias(q.Slice(0, Weights.PaddedColumns), biased);
                _work.Biased = biased;
                _work.Accumulators = accumulators;
                workers.Run(_work, Weights.Rows);
            }
        }

        /// <summary>The batched product of <paramref name="batch"/> biased vectors, rows split across
        /// <paramref name="workers"/> (prefill): on <see cref="SubsetSumBatchKernel"/> when
        /// <paramref name="tables"/> holds their tables, else <see cref="PackedTernaryKernel.BatchRows"/>.</summary>
        public void RunBatch(RowWorkers workers, byte[] biased, int batch, int[] accumulators, short[]? tables = null)
        {
            lock (_batch)
            {
                _batch.Tables = tables;
                _batch.Biased = biased;
                _batch.Accumulators = accumulators;
                _batch.Batch = batch;
                workers.Run(_batch, Weights.Rows);
            }
        }

        /// <summary>The rows of one product, with the buffers of the current call.</summary>
        private sealed class PackedProductWork : IRowWork
        {
            private readonly PackedTernaryWeights _weights;
            private readonly PackedKernelPath _path = PackedTernaryKernel.Best;

            public PackedProductWork(PackedTernaryWeights weights) => _weights = weights;

            public byte[] Biased { get; set; } = Array.Empty<byte>();
            public int[] Accumulators { get; set; } = Array.Empty<int>();

            public void Execute(int start, int count) =>
                PackedTernaryKernel.BiasedRows(_path, _weights, Biased, Accumulators, start, count);
        }

        /// <summary>The rows of one batched product, with the buffers of the current call.</summary>
        private sealed class PackedBatchWork : IRowWork
        {
            private readonly PackedTernaryWeights _weights;

            public PackedBatchWork(PackedTernaryWeights weights) => _weights = weights;

            public byte[] Biased { get; set; } = Array.Empty<byte>();
            public int[] Accumulators { get; set; } = Array.Empty<int>();
            public int Batch { get; set; }
            public short[]? Tables { get; set; }

            public void Execute(int start, int count)
            {
                if (Tables != null)
                {
                    SubsetSumBatchKernel.Rows(_weights, Tables, Batch, Accumulators, start, count);
                }
                else
                {
                    PackedTernaryKernel.BatchRows(_weights, Biased, Batch, Accumulators, start, count);
                }
            }
        }
    }
}
