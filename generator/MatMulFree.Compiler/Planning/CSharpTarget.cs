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

        /// <summary>
        /// Batched unrolled sums add int16 lanes: exact while every row's sum fits, |sum| &lt;= 128 x its
        /// non-zero weights, so for rows of at most this many. Every partial sum on the way (a shared sum,
        /// a prefix of the row's terms) is a sum over some of the row's non-zero weights, within the same bound.
        /// </summary>
        public const int BatchMaxRowNonZeros = 255;

        /// <summary>
        /// Why an unrolled layer's batches run its sums over vectors of tokens (the cost model for batches):
        /// measured with samples/GeneratedBench (prefill of 128 tokens, docs/performance.md), the micro model
        /// (16-wide layers, all unrolled) prefills 1.14x as fast as with the token-parallel product for
        /// every layer, and 1.15x as fast as with its unrolled code token by token. Wider layers lose: built
        /// unrolled, the 64- and 96-wide models prefill at 0.91-0.95x and the 128-wide ones at 0.39-0.43x of the
        /// token-parallel product, so a layer the decode cost model packs stays packed for batches too.
        /// </summary>
        public const string BatchMeasurement = "measured faster than the token-parallel product for the small layers that decode unrolls";

        public override ProductForm DataForm => ProductForm.Packed;

        public override (bool Unrolled, string Reason) ChooseBatch(BitLinearWeights w, TernaryProductPlan product)
        {
            int widest = 0;
            for (int n = 0; n < w.OutFeatures; n++)
            {
                int row = 0;
                for (int k = 0; k < w.InFeatures; k++)
                {
                    if (w.Weight[n, k] != 0) row++;
                }
                widest = Math.Max(widest, row);
            }
            if (widest > BatchMaxRowNonZeros)
            {
                return (false, $"token by token: a row has {widest} non-zero weights, more than the {BatchMaxRowNonZeros} whose sum int16 lanes hold");
            }
            return (true, $"unrolled over vectors of tokens, {BatchMeasurement}: the same sums with a token in each int16 lane (its rows have at most {widest} non-zero weights, whose sums int16 holds)");
        }

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
