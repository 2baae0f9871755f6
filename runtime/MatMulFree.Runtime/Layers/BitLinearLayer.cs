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
            Weights = new TernaryWeights(weights.Weight);
            Kernel = kernel;
        }

        public string Name { get; }
        public TernaryWeights Weights { get; }
        public TernaryKernelKind Kernel { get; }
        public int InFeatures => Weights.Columns;
        public int OutFeatures => Weights.Rows;

        /// <summary>
        /// y = BitLinear(x) where <paramref name="inverseRms"/> is RmsNorm.InverseRms(x):
        /// several projections of one input share it (it depends on x alone).
        /// </summary>
        public void Forward(ReadOnlySpan<float> x, float inverseRms, StepScratch scratch, Span<float> y)
        {
            float s = ActivationQuantizer.Quantize(x, inverseRms, _normWeight, scratch.Quantized);
            var acc = scratch.Accumulators.AsSpan(0, OutFeatures);
            TernaryKernel.Product(Kernel, Weights, scratch.Quantized, acc);
            Dequantizer.Apply(acc, Weights.Beta, s, y);
        }
    }
}
