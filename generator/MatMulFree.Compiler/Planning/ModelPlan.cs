using System.Collections.Generic;
using System.Threading;
using MatMulFree.Compiler.Model;

namespace MatMulFree.Compiler.Planning
{
    /// <summary>How the generated C# computes one BitLinear's ternary product.</summary>
    public enum KernelForm
    {
        /// <summary>Straight-line additions and subtractions, the weights in the code.</summary>
        Unrolled,
        /// <summary>The runtime's packed 2-bit kernel over constant weight data.</summary>
        Packed,
    }

    /// <summary>Which forms the planner may choose (the MatMulFreeKernel build property).</summary>
    public enum KernelChoice
    {
        Auto,
        Unrolled,
        Packed,
    }

    /// <summary>How one BitLinear is written out: its form, its product plan and where its
    /// straight-line code is cut into methods.</summary>
    public sealed class BitLinearPlan
    {
        public BitLinearPlan(BitLinearWeights weights, KernelForm form, string reason, TernaryProductPlan product,
            IReadOnlyList<(int Start, int Count)> sharedSumMethods, IReadOnlyList<(int Start, int Count)> rowMethods)
        {
            Weights = weights;
            Form = form;
            Reason = reason;
            Product = product;
            SharedSumMethods = sharedSumMethods;
            RowMethods = rowMethods;
        }

        /// <summary>The same plan with another explanation.</summary>
        public BitLinearPlan WithReason(string reason) => new BitLinearPlan(Weights, Form, reason, Product, SharedSumMethods, RowMethods);

        public BitLinearWeights Weights { get; }
        public KernelForm Form { get; }
        /// <summary>Why the planner chose the form (for the generated remarks).</summary>
        public string Reason { get; }
        public TernaryProductPlan Product { get; }
        /// <summary>Ranges of <see cref="TernaryProductPlan.SharedSums"/>, one method each.</summary>
        public IReadOnlyList<(int Start, int Count)> SharedSumMethods { get; }
        /// <summary>Ranges of output rows, one method each.</summary>
        public IReadOnlyList<(int Start, int Count)> RowMethods { get; }

        /// <summary>Operands read by the unrolled code: a measure of its size (0 when packed).</summary>
        public long UnrolledTerms => Form == KernelForm.Unrolled ? Product.Terms + 2L * Product.SharedSums.Count : 0;
    }

    /// <summary>Per BitLinear of a model, in execution order, how it is unrolled.</summary>
    public sealed class ModelPlan
    {
        private ModelPlan(ModelDefinition model, IReadOnlyList<BitLinearPlan> layers)
        {
            Model = model;
            Layers = layers;
            long terms = 0, before = 0, after = 0, nonZeros = 0;
            foreach (var l in layers)
            {
                terms += l.UnrolledTerms;
                before += l.Product.AdditionsBefore;
                after += l.Product.AdditionsAfter;
                nonZeros += l.Product.NonZeros;
            }
            UnrolledTerms = terms;
            AdditionsBefore = before;
            AdditionsAfter = after;
            NonZeros = nonZeros;
        }

        public ModelDefinition Model { get; }
        public IReadOnlyList<BitLinearPlan> Layers { get; }
        public long UnrolledTerms { get; }
        public long AdditionsBefore { get; }
        public long AdditionsAfter { get; }
        public long NonZeros { get; }

        /// <summary>
        /// Auto form: layers with at most this many weights are unrolled, larger ones packed.
        /// Measured (docs/performance.md, samples/GeneratedBench): whole models of 16-wide
        /// layers decode 1.23x faster unrolled than with the packed kernel, 64-wide ones 0.80x,
        /// 96-wide 0.55x, 128-wide 0.24x; the crossover lies between 1,024 and 4,096 weights
        /// per layer, and 2,048 keeps every committed model at or above the generic speed.
        /// </summary>
        public const long AutoUnrolledMaxWeights = 2048;

        /// <summary>Layers with fewer inputs than this count as narrow: measured with the earlier
        /// bit-plane kernel, whose 64-column blocks such a layer filled only in part; with the
        /// pair-code kernel the micro model's narrow layers unrolled take 0.6-0.8 of the packed
        /// kernel's time at 16x16, 16x32 and 259x16, and about the same (1.0-1.1) at 64x16
        /// (samples/GeneratedBench; docs/performance.md, "Per layer shape").</summary>
        public const int NarrowInputColumns = 64;

        /// <summary>
        /// Auto form, layers narrower than <see cref="NarrowInputColumns"/>: unrolled up to this many weights.
        /// Measured on micro-l2-h16 (16 inputs: its 259 x 16 lm_head and 512 x 16 gate_proj),
        /// docs/performance.md, "Generated against generic"; kept small so that the unrolled
        /// code of a wide-output narrow layer stays a few thousand terms.
        /// </summary>
        public const long AutoUnrolledMaxNarrowWeights = 16384;

        /// <summary>Plans every BitLinear of <paramref name="model"/> (form, adder sharing, method split).</summary>
        public static ModelPlan Create(ModelDefinition model, KernelChoice choice = KernelChoice.Auto, CancellationToken cancellationToken = default)
        {
            var layers = new List<BitLinearPlan>();
            foreach (var w in model.BitLinears())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var layerChoice = choice;
                string? forced = null;
                if (w.Weight.External == null && model.KernelOverrides.TryGetValue(w.Name, out var form))
                {
                    layerChoice = form == "unrolled" ? KernelChoice.Unrolled : form == "packed" ? KernelChoice.Packed : KernelChoice.Auto;
                    forced = form;
                }
                var plan = Plan(w, layerChoice);
                layers.Add(forced == null || forced == "auto" ? plan : plan.WithReason($"{forced}: set for this layer in the manifest's \"kernels\""));
            }
            return new ModelPlan(model, layers);
        }

        public static BitLinearPlan Plan(BitLinearWeights w, KernelChoice choice = KernelChoice.Unrolled)
        {
            long weights = (long)w.InFeatures * w.OutFeatures;
            if (w.Weight.External != null)
            {
                // Unrolled code needs the weights at compile time; these are read when the model loads.
                var none = new TernaryProductPlan(w.OutFeatures, w.InFeatures, 1, new List<SharedSum>(), new List<SignedOperand[]>(), 0, 0);
                return new BitLinearPlan(w, KernelForm.Packed,
                    $"packed: the weights are in the external weights file, read when the model is first used ({weights:N0} weights)",
                    none, new List<(int, int)>(), new List<(int, int)>());
            }
            KernelForm form;
            string reason;
            switch (choice)
            {
                case KernelChoice.Unrolled:
                    form = KernelForm.Unrolled;
                    reason = "unrolled for every layer (MatMulFreeKernel=unrolled)";
                    break;
                case KernelChoice.Packed:
                    form = KernelForm.Packed;
                    reason = "packed for every layer (MatMulFreeKernel=packed)";
                    break;
                default:
                    if (weights <= AutoUnrolledMaxWeights)
                    {
                        form = KernelForm.Unrolled;
                        reason = $"unrolled: {weights:N0} weights, at most the {AutoUnrolledMaxWeights:N0} below which unrolled code measured faster than the packed kernel";
                    }
                    else if (w.InFeatures < NarrowInputColumns && weights <= AutoUnrolledMaxNarrowWeights)
                    {
                        form = KernelForm.Unrolled;
                        reason = $"unrolled: {w.InFeatures} input columns, fewer than {NarrowInputColumns}, where unrolled code measured faster ({weights:N0} weights)";
                    }
                    else
                    {
                        form = KernelForm.Packed;
                        reason = $"packed: {weights:N0} weights, more than the {AutoUnrolledMaxWeights:N0} above which the packed kernel measured faster than unrolled code";
                    }
                    break;
            }
            var product = AdderSharing.Plan(w.Weight);
            var sharedTerms = new List<int>(product.SharedSums.Count);
            for (int k = 0; k < product.SharedSums.Count; k++)
            {
                sharedTerms.Add(2);
            }
            var rowTerms = new List<int>(product.Rows);
            foreach (var row in product.RowTerms)
            {
                rowTerms.Add(row.Length);
            }
            return new BitLinearPlan(w, form, reason, product, JitMethodBudget.Split(sharedTerms), JitMethodBudget.Split(rowTerms));
        }
    }
}
