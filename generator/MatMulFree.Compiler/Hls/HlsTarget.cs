using System;
using System.Collections.Generic;
using MatMulFree.Compiler.Planning;
using MatMulFree.Model;

namespace MatMulFree.Compiler.Hls
{
    /// <summary>
    /// HLS as a planning target (<see cref="ModelPlan.Create"/>): constant adder trees while the
    /// unrolled code stays within the unroll limit (LUTs), folded above (ROM + PE x SIMD), with
    /// the forms and folding of <see cref="HlsOptions"/>.
    /// </summary>
    public sealed class HlsTarget : ProductTarget
    {
        private readonly HlsOptions _options;

        public HlsTarget(HlsOptions options)
        {
            _options = options;
            Form = options.Form;
            LayerForms = new Dictionary<string, ProductForm>(options.LayerForms, StringComparer.Ordinal);
        }

        public override ProductForm DataForm => ProductForm.Folded;

        public override string ForAllReason(ProductForm form) => "set for all layers";

        public override (ProductForm Form, string Reason) Choose(BitLinearWeights w, Func<TernaryProductPlan> sharing)
        {
            var p = sharing();
            long terms = p.Terms + 2L * p.SharedSums.Count;
            return terms <= _options.UnrollLimit
                ? (ProductForm.Unrolled, $"{terms:N0} unrolled terms <= unroll limit {_options.UnrollLimit:N0}")
                : (ProductForm.Folded, $"{terms:N0} unrolled terms > unroll limit {_options.UnrollLimit:N0}");
        }

        public override Fold FoldOf(BitLinearWeights w) =>
            new Fold(w, Math.Min(_options.Pe, PowerOfTwoAtLeast(w.OutFeatures)), Math.Max(4, Math.Min(_options.Simd, PowerOfTwoAtLeast(w.InFeatures))));

        private static int PowerOfTwoAtLeast(int n)
        {
            int p = 1;
            while (p < n && p < (1 << 30)) p <<= 1;
            return p;
        }
    }

    /// <summary>An HLS project's plan: the model's <see cref="ModelPlan"/> for <see cref="HlsTarget"/>, the options and the top function.</summary>
    public sealed class HlsPlan
    {
        private HlsPlan(ModelPlan plan, HlsOptions options, string top)
        {
            Model = plan.Model;
            Layers = plan.Layers;
            Options = options;
            Top = top;
        }

        public ModelDefinition Model { get; }
        public HlsOptions Options { get; }
        public string Top { get; }
        public IReadOnlyList<LayerPlan> Layers { get; }

        public static HlsPlan Create(ModelDefinition model, HlsOptions options) =>
            new HlsPlan(ModelPlan.Create(model, new HlsTarget(options)), options, options.Top.Length > 0 ? options.Top : HlsNames.Top(model.Name));
    }
}
