using System;
using MatMulFree.Model;
using MatMulFree.Runtime.Kernels;

namespace MatMulFree.Runtime.Layers
{
    /// <summary>
    /// One BitLinear (docs/model.md): its own RMSNorm, int8 activation quantization,
    /// the ternary integer product, dequantization out_n = (float)acc_n * (beta / s).
    /// </summary>
    public sealed class BitLinearLayer
    {
        private readonly float[] _normWeight;

        /// <summary>By default, layers with at least this many weights split their rows across <see cref="RowWorkers"/>:
        /// below it, waking threads costs more than it saves.</summary>
        public const long DefaultParallelMinimumWeights = 1L << 18;

        /// <summary>The pool this layer's rows are split across, or null (one thread, a small layer, or not the best path).</summary>
        private readonly RowWorkers? _workers;
        /// <summary>The packed product (null in rows form).</summary>
        private readonly ParallelPackedProduct? _product;

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
                _product = new ParallelPackedProduct(Packed, Path);
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
            }
        }

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
            if (_workers != null)
            {
                _product!.Run(_workers, scratch.Quantized, scratch.Tables, scratch.Accumulators);
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
        /// weights once for the whole batch (<see cref="ParallelPackedProduct.ForwardBatch"/>).
        /// Bit-identical to calling Forward per vector.
        /// </summary>
        public void ForwardBatch(ReadOnlySpan<float> x, ReadOnlySpan<float> inverseRms, int count, BatchScratch batch, StepScratch scratch, Span<float> y)
        {
            if (_product == null)
            {
                for (int t = 0; t < count; t++)
                {
                    Forward(x.Slice(t * InFeatures, InFeatures), inverseRms[t], scratch, y.Slice(t * OutFeatures, OutFeatures));
                }
                return;
            }
            _product.ForwardBatch(x, inverseRms, count, _normWeight, batch, _workers, y);
        }
    }
}
