using System;
using MatMulFree.Compiler.Model;
using MatMulFree.Runtime.Kernels;

namespace MatMulFree.Runtime.Layers
{
    /// <summary>
    /// One BitLinear (MODEL.md): its own RMSNorm, int8 activation quantization,
    /// the ternary integer product, dequantization out_n = (float)acc_n * (beta / s).
    /// </summary>
    public sealed class BitLinearLayer
    {
        private readonly float[] _normWeight;

        public BitLinearLayer(BitLinearWeights weights, TernaryKernelKind kernel)
        {
            Name = weights.Name;
            _normWeight = weights.NormWeight;
            Kernel = kernel;
            if (kernel == TernaryKernelKind.Packed)
            {
                Packed = new PackedTernaryWeights(weights.Weight);
            }
            else
            {
                Weights = new TernaryWeights(weights.Weight);
            }
            InFeatures = weights.InFeatures;
            OutFeatures = weights.OutFeatures;
            Beta = weights.Weight.Beta;
        }

        public string Name { get; }
        /// <summary>One signed byte per weight (scalar and SIMD kernels); null when packed.</summary>
        public TernaryWeights? Weights { get; }
        /// <summary>2-bit bit planes (packed kernel); null otherwise.</summary>
        public PackedTernaryWeights? Packed { get; }
        public TernaryKernelKind Kernel { get; }
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
            if (Packed != null)
            {
                PackedTernaryKernel.Product(Packed, scratch.Quantized, scratch.Biased, acc);
            }
            else
            {
                TernaryKernel.Product(Kernel, Weights!, scratch.Quantized, acc);
            }
            Dequantizer.Apply(acc, Beta, s, y);
        }
    }
}
