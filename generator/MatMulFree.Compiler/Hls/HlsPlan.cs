using System;
using System.Collections.Generic;
using MatMulFree.Compiler.Model;
using MatMulFree.Compiler.Planning;

namespace MatMulFree.Compiler.Hls
{
    /// <summary>How one BitLinear is built in hardware, and why.</summary>
    public sealed class HlsLayerPlan
    {
        public HlsLayerPlan(BitLinearWeights weights, HlsForm form, string reason, TernaryProductPlan sharing, int pe, int simd)
        {
            Weights = weights;
            Form = form;
            Reason = reason;
            Sharing = sharing;
            Pe = pe;
            Simd = simd;
            RowsPadded = (weights.OutFeatures + pe - 1) / pe * pe;
            ColumnsPadded = (weights.InFeatures + simd - 1) / simd * simd;
        }

        public BitLinearWeights Weights { get; }
        public string Name => HlsNames.Layer(Weights);
        /// <summary><see cref="HlsForm.Unrolled"/> or <see cref="HlsForm.Folded"/>.</summary>
        public HlsForm Form { get; }
        public string Reason { get; }
        /// <summary>The adder-sharing plan (written out when unrolled; its counts are reported either way).</summary>
        public TernaryProductPlan Sharing { get; }
        public int Pe { get; }
        public int Simd { get; }
        public int RowsPadded { get; }
        public int ColumnsPadded { get; }
        /// <summary>Folded: row groups of PE (neuron fold).</summary>
        public int NeuronFold => RowsPadded / Pe;
        /// <summary>Folded: column groups of SIMD (synapse fold).</summary>
        public int SynapseFold => ColumnsPadded / Simd;
        public long UnrolledTerms => Sharing.Terms + 2L * Sharing.SharedSums.Count;
    }

    /// <summary>Per BitLinear of a model, in execution order, its hardware form.</summary>
    public sealed class HlsPlan
    {
        public HlsPlan(ModelDefinition model, HlsOptions options, string top, IReadOnlyList<HlsLayerPlan> layers)
        {
            Model = model;
            Options = options;
            Top = top;
            Layers = layers;
        }

        public ModelDefinition Model { get; }
        public HlsOptions Options { get; }
        public string Top { get; }
        public IReadOnlyList<HlsLayerPlan> Layers { get; }

        public HlsLayerPlan For(BitLinearWeights w)
        {
            foreach (var l in Layers)
            {
                if (ReferenceEquals(l.Weights, w))
                {
                    return l;
                }
            }
            throw new ArgumentException("no plan for " + w.Name);
        }

        /// <summary>Chooses each layer's form: an override if given, else unrolled while the
        /// unrolled code stays within the limit (LUT adder trees), folded above (ROM + PE x SIMD).</summary>
        public static HlsPlan Create(ModelDefinition model, HlsOptions options)
        {
            string top = options.Top.Length > 0 ? options.Top : HlsNames.Top(model.Name);
            var layers = new List<HlsLayerPlan>();
            foreach (var w in model.BitLinears())
            {
                var sharing = AdderSharing.Plan(w.Weight);
                long terms = sharing.Terms + 2L * sharing.SharedSums.Count;
                HlsForm form;
                string reason;
                if (options.LayerForms.TryGetValue(w.Name, out var forced) && forced != HlsForm.Auto)
                {
                    form = forced;
                    reason = "set for this layer";
                }
                else if (options.Form != HlsForm.Auto)
                {
                    form = options.Form;
                    reason = "set for all layers";
                }
                else if (terms <= options.UnrollLimit)
                {
                    form = HlsForm.Unrolled;
                    reason = $"{terms:N0} unrolled terms <= unroll limit {options.UnrollLimit:N0}";
                }
                else
                {
                    form = HlsForm.Folded;
                    reason = $"{terms:N0} unrolled terms > unroll limit {options.UnrollLimit:N0}";
                }
                int pe = Math.Min(options.Pe, PowerOfTwoAtLeast(w.OutFeatures));
                int simd = Math.Max(4, Math.Min(options.Simd, PowerOfTwoAtLeast(w.InFeatures)));
                layers.Add(new HlsLayerPlan(w, form, reason, sharing, pe, simd));
            }
            return new HlsPlan(model, options, top, layers);
        }

        private static int PowerOfTwoAtLeast(int n)
        {
            int p = 1;
            while (p < n && p < (1 << 30)) p <<= 1;
            return p;
        }
    }
}
