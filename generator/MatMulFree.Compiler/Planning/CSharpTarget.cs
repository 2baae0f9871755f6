using System;
using MatMulFree.Model;

namespace MatMulFree.Compiler.Planning
{
    /// <summary>
    /// The generated C# as a planning target: unrolled code or the runtime's packed kernel,
    /// chosen by measured speed (docs/performance.md); the MatMulFreeKernel build property
    /// may ask for one form for every layer.
    /// </summary>
    public sealed class CSharpTarget : ProductTarget
    {
        /// <param name="form">MatMulFreeKernel: null (auto), unrolled or packed.</param>
        public CSharpTarget(ProductForm? form = null)
        {
            if (form == ProductForm.Folded)
            {
                throw new ArgumentException("C# has no folded form", nameof(form));
            }
            Form = form;
        }

        /// <summary>
        /// Auto form: layers with at most this many weights are unrolled, larger ones packed.
        /// Measured (docs/performance-history.md, "Generated against generic"; samples/GeneratedBench): whole models of 16-wide
        /// layers decode 1.23x faster unrolled than with the packed kernel, 64-wide ones 0.80x,
        /// 96-wide 0.55x, 128-wide 0.24x; the crossover lies between 1,024 and 4,096 weights
        /// per layer, and 2,048 keeps every committed model at or above the generic speed.
        /// </summary>
        public const long AutoUnrolledMaxWeights = 2048;

        /// <summary>Layers with fewer inputs than this count as narrow: measured with the earlier
        /// bit-plane kernel, whose 64-column blocks such a layer filled only in part; with the
        /// pair-code kernel the micro model's narrow layers unrolled take 0.6-0.8 of the packed
        /// kernel's time at 16x16, 16x32 and 259x16, and about the same (1.0-1.1) at 64x16
        /// (samples/GeneratedBench; docs/performance-history.md, "Per layer shape").</summary>
        public const int NarrowInputColumns = 64;

        /// <summary>
        /// Auto form, layers narrower than <see cref="NarrowInputColumns"/>: unrolled up to this many weights.
        /// Measured on micro-l2-h16 (16 inputs: its 259 x 16 lm_head and 512 x 16 gate_proj),
        /// docs/performance-history.md, "Generated against generic"; kept small so that the unrolled
        /// code of a wide-output narrow layer stays a few thousand terms.
        /// </summary>
        public const long AutoUnrolledMaxNarrowWeights = 16384;

        public override ProductForm DataForm => ProductForm.Packed;

        public override string ForAllReason(ProductForm form)
        {
            string name = form == ProductForm.Unrolled ? "unrolled" : "packed";
            return $"{name} for every layer (MatMulFreeKernel={name})";
        }

        public override (ProductForm Form, string Reason) Choose(BitLinearWeights w, Func<TernaryProductPlan> sharing)
        {
            long weights = (long)w.InFeatures * w.OutFeatures;
            if (weights <= AutoUnrolledMaxWeights)
            {
                return (ProductForm.Unrolled, $"unrolled: {weights:N0} weights, at most the {AutoUnrolledMaxWeights:N0} below which unrolled code measured faster than the packed kernel");
            }
            if (w.InFeatures < NarrowInputColumns && weights <= AutoUnrolledMaxNarrowWeights)
            {
                return (ProductForm.Unrolled, $"unrolled: {w.InFeatures} input columns, fewer than {NarrowInputColumns}, where unrolled code measured faster ({weights:N0} weights)");
            }
            return (ProductForm.Packed, $"packed: {weights:N0} weights, more than the {AutoUnrolledMaxWeights:N0} above which the packed kernel measured faster than unrolled code");
        }
    }
}
