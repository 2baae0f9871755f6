using System;
using MatMulFree.Model;
using MatMulFree.Runtime.Kernels;

namespace MatMulFree.Runtime.Layers
{
    /// <summary>
    /// One BitLinear (docs/model.md): its own RMSNorm, int8 activation quantization,
    /// the ternary integer product, dequantization out_n = (float)acc_n * (beta / s).
    /// </summary>
    public sealed unsafe class BitLinearLayer
    {
        private readonly float[] _normWeight;

        /// <summary>By default, layers with at least this many weights split their rows across <see cref="RowWorkers"/>:
        /// below it, waking threads costs more than it saves.</summary>
        public const long DefaultParallelMinimumWeights = 1L << 18;

        private readonly RowWorkers? _workers;
        private readonly ParallelPackedProduct? _parallel;
        private readonly BatchActivationTables? _batchTables;

        /// <param name="form"><see cref="ProductForm.Packed"/> or <see cref="ProductForm.Rows"/>.</param>
        /// <param name="path">The instruction-set path (default: the best this machine has). Rows run the scalar
        /// reference on <see cref="KernelPath.Scalar"/> and Vector&lt;T&gt; on any other; a packed layer's rows are
        /// split across <paramref name="workers"/> only on the best path.</param>
        public BitLinearLayer(BitLinearWeights weights, ProductForm form, RowWorkers? workers = null, long parallelMinimumWeights = DefaultParallelMinimumWeights,
            KernelPath? path = null)
        {
            if (form != ProductForm.Packed && form != ProductForm.Rows)
            {
                throw new ArgumentException($"the generic runtime holds a layer packed or in rows, not {form}", nameof(form));
            }
            if (path is KernelPath asked && !PackedTernaryKernel.IsSupported(asked))
            {
                throw new ArgumentException($"this CPU or runtime has no {asked} path (the best here is {PackedTernaryKernel.Best})", nameof(path));
            }
            Name = weights.Name;
            _normWeight = weights.NormWeight;
            Form = form;
            Path = path ?? PackedTernaryKernel.Best;
            if (form == ProductForm.Packed)
            {
                Packed = new PackedTernaryWeights(weights.Weight);
                _batchTables = new BatchActivationTables(_normWeight, weights.InFeatures, Packed.Groups);
            }
            else
            {
                Weights = new TernaryWeights(weights.Weight);
            }
            InFeatures = weights.InFeatures;
            OutFeatures = weights.OutFeatures;
            Beta = weights.Weight.Beta;
            if (Packed != null && workers != null && workers.Threads > 1 && Path == PackedTernaryKernel.Best && Path != KernelPath.Scalar
                && (long)InFeatures * OutFeatures >= parallelMinimumWeights)
            {
                _workers = workers;
                _parallel = new ParallelPackedProduct(Packed);
            }
        }

        /// <summary>Batches of at least this many vectors (and at most <see cref="PairVectorTables.MaxLanes"/>) run
        /// the token-parallel product (<see cref="TokenParallelKernel"/>), whose cost is that of a full block of
        /// 32 whatever the count; smaller ones run the packed kernel vector by vector
        /// (<see cref="PackedTernaryKernel.BatchRows"/>). Measured: docs/performance.md, "Prompts and batches".</summary>
        public const int TokenParallelMinimumBatch = 12;

        public string Name { get; }
        /// <summary>One signed byte per weight (scalar and SIMD kernels); null when packed.</summary>
        public TernaryWeights? Weights { get; }
        /// <summary>2-bit pair codes (packed kernel); null otherwise.</summary>
        public PackedTernaryWeights? Packed { get; }
        public ProductForm Form { get; }
        /// <summary>The instruction-set path the product runs.</summary>
        public KernelPath Path { get; }
        public int InFeatures { get; }
        public int OutFeatures { get; }
        public float Beta { get; }

        /// <summary>
        /// y = BitLinear(x) where <paramref name="inverseRms"/> is RmsNorm.InverseRms(x):
        /// several projections of one input share it (it depends on x alone).
        /// </summary>
        public void Forward(ReadOnlySpan<float> x, float inverseRms, StepScratch scratch, Span<float> y)
        {
            float s = ActivationQuantizer.Quantize(x, inverseRms, _normWeight, scratch.Quantized);
            var acc = scratch.Accumulators.AsSpan(0, OutFeatures);
            if (_parallel != null)
            {
                _parallel.Run(_workers!, scratch.Quantized, scratch.Tables, scratch.Accumulators);
            }
            else if (Packed != null)
            {
                PackedTernaryKernel.Product(Path, Packed, scratch.Quantized, scratch.Tables, acc, 0, OutFeatures);
            }
            else
            {
                TernaryKernel.Product(Path, Weights!, scratch.Quantized, acc);
            }
            Dequantizer.Apply(acc, Beta, s, y);
        }

        /// <summary>
        /// The same BitLinear for <paramref name="count"/> vectors at once (rows of <paramref name="x"/>,
        /// stride InFeatures; outputs in <paramref name="y"/>, stride OutFeatures). Each vector is
        /// quantized on its own, exactly as in <see cref="Forward"/>; packed layers then read their
        /// weights once for the whole batch. Bit-identical to calling Forward per vector.
        /// </summary>
        public void ForwardBatch(ReadOnlySpan<float> x, ReadOnlySpan<float> inverseRms, int count, BatchScratch batch, StepScratch scratch, Span<float> y)
        {
            if (Packed == null)
            {
                for (int t = 0; t < count; t++)
                {
                    Forward(x.Slice(t * InFeatures, InFeatures), inverseRms[t], scratch, y.Slice(t * OutFeatures, OutFeatures));
                }
                return;
            }
            // Each vector is quantized and its tables built once (on all threads when the layer has
            // workers); the weights are then read once for the batch.
            if (x.Length < count * InFeatures || inverseRms.Length < count)
            {
                throw new ArgumentException("fewer inputs than the batch count");
            }
            var scales = batch.Scales.AsSpan(0, count);
            var acc = batch.Accumulators.AsSpan(0, count * OutFeatures);
            bool tokenParallel = count >= TokenParallelMinimumBatch && count <= PairVectorTables.MaxLanes;
            lock (_batchTables!)
            {
                _batchTables.LookupTables = !tokenParallel;
                fixed (float* inputs = x)
                fixed (float* rms = inverseRms)
                {
                    _batchTables.Inputs = inputs;
                    _batchTables.InverseRms = rms;
                    _batchTables.Batch = batch;
                    try
                    {
                        if (_parallel != null)
                        {
                            _workers!.Run(_batchTables, count);
                        }
                        else
                        {
                            _batchTables.Execute(0, count);
                        }
                    }
                    finally
                    {
                        _batchTables.Inputs = null;
                        _batchTables.InverseRms = null;
                        _batchTables.Batch = null;
                    }
                }
            }
            if (tokenParallel && _parallel != null)
            {
                _parallel.RunTokenParallel(_workers!, batch.Quantized, batch.QuantizedStride, count, batch.PairVectors, batch.Accumulators);
            }
            else if (tokenParallel)
            {
                var tables = batch.PairVectors.Span;
                PairVectorTables.Build(batch.Quantized, batch.QuantizedStride, count, InFeatures, Packed.Groups, tables);
                TokenParallelKernel.Product(Path, Packed, tables, count, acc, 0, OutFeatures);
            }
            else if (_parallel != null)
            {
                _parallel.RunBatch(_workers!, batch.Tables, batch.TableStride, count, batch.Accumulators);
            }
            else
            {
                PackedTernaryKernel.BatchRows(Path, Packed, batch.Tables, batch.TableStride, count, acc, 0, OutFeatures);
            }
            for (int t = 0; t < count; t++)
            {
                Dequantizer.Apply(acc.Slice(t * OutFeatures, OutFeatures), Beta, scales[t], y.Slice(t * OutFeatures, OutFeatures));
            }
        }
    }
}
