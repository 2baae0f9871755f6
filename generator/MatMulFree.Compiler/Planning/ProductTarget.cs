using System;
using System.Collections.Generic;
using MatMulFree.Model;

namespace MatMulFree.Compiler.Planning
{
    /// <summary>
    /// What one target tells the planner (<see cref="ModelPlan.Create"/>): the form that keeps
    /// a layer's weights as data, the forms its user asked for, and its cost model for
    /// layers left to the planner. The planner applies them in one order for every target.
    /// </summary>
    public abstract class ProductTarget
    {
        /// <summary>The form that keeps the weights as data (for external weights and a manifest's "packed").</summary>
        public abstract ProductForm DataForm { get; }

        /// <summary>A form asked for every layer (null: each layer's own choice, else the cost model).</summary>
        public ProductForm? Form { get; protected set; }

        /// <summary>Forms asked for single layers by their checkpoint names; these win over everything but external weights.</summary>
        public IReadOnlyDictionary<string, ProductForm> LayerForms { get; protected set; } = new Dictionary<string, ProductForm>(StringComparer.Ordinal);

        /// <summary>Why a layer has <see cref="Form"/>.</summary>
        public abstract string ForAllReason(ProductForm form);

        /// <summary>Why a layer has its entry of <see cref="LayerForms"/>.</summary>
        public string ForLayerReason(ProductForm form) => "set for this layer";

        /// <summary>The word for a form in this target's reasons: "packed" for C#'s data form, "folded" for HLS's.</summary>
        public static string Word(ProductForm form) => form.ToString().ToLowerInvariant();

        /// <summary>Why a layer whose weights are in the external weights file has <see cref="DataForm"/>.</summary>
        public string ExternalReason(BitLinearWeights w) =>
            $"{Word(DataForm)}: the weights are in the external weights file, read when the model is first used ({(long)w.InFeatures * w.OutFeatures:N0} weights)";

        /// <summary>Why a layer has the form its manifest's "kernels" entry (<paramref name="kernel"/>: unrolled or packed) gives.</summary>
        public string ManifestReason(ProductForm form, string kernel) =>
            Word(form) == kernel
                ? $"{kernel}: set for this layer in the manifest's \"kernels\""
                : $"{Word(form)}: set for this layer in the manifest's \"kernels\" (\"{kernel}\": the weights as data)";

        /// <summary>The cost model: the form of a layer nobody chose, and why. <paramref name="sharing"/>
        /// gives the layer's adder-sharing plan (computed once, when first asked for).</summary>
        public abstract (ProductForm Form, string Reason) Choose(BitLinearWeights weights, Func<TernaryProductPlan> sharing);

        /// <summary>Whether an unrolled layer's batches run its unrolled sums over vectors of tokens, and why
        /// (the cost model for batches; a target without a batched form says no).</summary>
        public virtual (bool Unrolled, string Reason) ChooseBatch(BitLinearWeights weights, TernaryProductPlan product) => (false, "token by token");

        /// <summary>The folding of a layer this target builds <see cref="ProductForm.Folded"/>; null when it folds none.</summary>
        public virtual Fold? FoldOf(BitLinearWeights weights) => null;
    }

    /// <summary>A folded layer's parallelism (FINN's terms): PE rows and SIMD columns per cycle.</summary>
    public sealed class Fold
    {
        public Fold(BitLinearWeights weights, int pe, int simd)
        {
            Pe = pe;
            Simd = simd;
            RowsPadded = (weights.OutFeatures + pe - 1) / pe * pe;
            ColumnsPadded = (weights.InFeatures + simd - 1) / simd * simd;
        }

        public int Pe { get; }
        public int Simd { get; }
        public int RowsPadded { get; }
        public int ColumnsPadded { get; }
        /// <summary>Row groups of PE (neuron fold).</summary>
        public int NeuronFold => RowsPadded / Pe;
        /// <summary>Column groups of SIMD (synapse fold).</summary>
        public int SynapseFold => ColumnsPadded / Simd;
    }
}
