using System;

namespace MatMulFree.Runtime.Kernels
{
    /// <summary>
    /// BitLinear steps 1-2, and the packed kernel's tables when it runs, for each vector of a batch,
    /// as row work over the vectors: a batched product (<see cref="ParallelPackedProduct.ForwardBatch"/>) runs it first, on the
    /// calling thread or, with workers, on its <see cref="RowWorkers"/>, so that the
    /// vectors of a prefill chunk are quantized and tabled on every thread instead of on
    /// the caller while the workers wait (about 6 % of a two-thread prefill's samples did
    /// that; docs/performance-history.md). Each vector's
    /// result depends on that vector alone, so the split does not change a bit. The
    /// pointers are the current call's (pinned by the caller for its duration).
    /// </summary>
    internal sealed unsafe class BatchActivationTables : IRowWork
    {
        private readonly int _inFeatures;
        private readonly int _groups;

        public BatchActivationTables(int inFeatures, int groups)
        {
            _inFeatures = inFeatures;
            _groups = groups;
        }

        /// <summary>The layer's RMSNorm weight.</summary>
        public float[] Norm = Array.Empty<float>();
        /// <summary>The batch's inputs, row t at t * InFeatures.</summary>
        public float* Inputs;
        /// <summary>RmsNorm.InverseRms of each input.</summary>
        public float* InverseRms;
        public BatchScratch? Batch;
        /// <summary>Whether each vector's <see cref="PairSumTables"/> are built too (the packed batched
        /// product reads them; the token-parallel product builds its own tables from the quantized vectors).</summary>
        public bool LookupTables;

        public void Execute(int start, int count)
        {
            var batch = Batch!;
            for (int t = start; t < start + count; t++)
            {
                var q = batch.Quantized.AsSpan(t * batch.QuantizedStride, batch.QuantizedStride);
                batch.Scales[t] = ActivationQuantizer.Quantize(new ReadOnlySpan<float>(Inputs + (long)t * _inFeatures, _inFeatures), InverseRms[t], Norm, q);
                if (LookupTables)
                {
                    PairSumTables.Build(q, _groups, batch.Tables.AsSpan(t * batch.TableStride, batch.TableStride));
                }
            }
        }
    }
}
