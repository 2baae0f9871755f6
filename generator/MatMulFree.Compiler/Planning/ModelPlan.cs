using System;
using System.Collections.Generic;
using System.Threading;
using MatMulFree.Model;

namespace MatMulFree.Compiler.Planning
{
    /// <summary>
    /// The planner: per BitLinear of a model, in execution order, its form on one target
    /// (<see cref="ProductTarget"/>) and everything the emitters need to write it (adder
    /// sharing, method split, folding). The data that goes with the code, and the order in
    /// which an external weights file's tensors are loaded, are the model's
    /// <see cref="DataResource"/>, which does not depend on the plan. Emitters only write text.
    /// </summary>
    public sealed class ModelPlan
    {
        private ModelPlan(ModelDefinition model, ProductTarget target, IReadOnlyList<LayerPlan> layers)
        {
            Model = model;
            Target = target;
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
        public ProductTarget Target { get; }
        public IReadOnlyList<LayerPlan> Layers { get; }
        public long UnrolledTerms { get; }
        public long AdditionsBefore { get; }
        /// <summary>Additions the unrolled layers' code makes (packed and folded layers count none).</summary>
        public long AdditionsAfter { get; }
        public long NonZeros { get; }

        /// <summary>
        /// Plans every BitLinear of <paramref name="model"/> for <paramref name="target"/>. A layer's form
        /// is, in this order: the data form when its weights are in an external weights file (unrolled
        /// code needs them at compile time); the target's choice for that layer; the manifest's
        /// "kernels" entry for it; the target's choice for every layer; its cost model. Adder sharing
        /// runs for the layers that end up unrolled (and for those whose cost model asks for it).
        /// </summary>
        public static ModelPlan Create(ModelDefinition model, ProductTarget target, CancellationToken cancellationToken = default)
        {
            var layers = new List<LayerPlan>();
            foreach (var w in model.BitLinears())
            {
                cancellationToken.ThrowIfCancellationRequested();
                layers.Add(Plan(model, w, target));
            }
            return new ModelPlan(model, target, layers);
        }

        private static LayerPlan Plan(ModelDefinition model, BitLinearWeights w, ProductTarget target)
        {
            TernaryProductPlan? sharing = null;
            TernaryProductPlan Sharing() => sharing ??= AdderSharing.Plan(w.Weight);
            ProductForm form;
            string reason;
            PlanCause cause;
            if (w.Weight.External != null)
            {
                cause = PlanCause.WeightsFile;
                form = target.DataForm;
                reason = target.ExternalReason(w);
            }
            else if (target.LayerForms.TryGetValue(w.Name, out var layerForm))
            {
                cause = PlanCause.Layer;
                form = layerForm;
                reason = target.ForLayerReason(form);
            }
            else if (model.KernelOverrides.TryGetValue(w.Name, out var kernel))
            {
                cause = PlanCause.Manifest;
                if (kernel == "auto")
                {
                    // Asked for by name: the cost model decides even when the target asks for one form for all.
                    (form, reason) = target.Choose(w, Sharing);
                }
                else
                {
                    form = kernel == "unrolled" ? ProductForm.Unrolled : target.DataForm;
                    reason = target.ManifestReason(form, kernel);
                }
            }
            else if (target.Form is ProductForm all)
            {
                cause = PlanCause.Target;
                form = all;
                reason = target.ForAllReason(all);
            }
            else
            {
                cause = PlanCause.CostModel;
                (form, reason) = target.Choose(w, Sharing);
            }

            if (form != ProductForm.Unrolled)
            {
                var none = new List<(int, int)>();
                var fold = form == ProductForm.Folded ? target.FoldOf(w) : null;
                return new LayerPlan(w, form, reason, TernaryProductPlan.Counts(w.Weight), none, none, fold, cause);
            }
            var product = Sharing();
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
            var (batchUnrolled, batchReason) = target.ChooseBatch(w, product);
            return new LayerPlan(w, form, reason, product, JitMethodBudget.Split(sharedTerms), JitMethodBudget.Split(rowTerms), null, cause, batchUnrolled, batchReason,
                batchUnrolled ? JitMethodBudget.Split(sharedTerms, vectors: true) : null, batchUnrolled ? JitMethodBudget.Split(rowTerms, vectors: true) : null);
        }
    }
}
