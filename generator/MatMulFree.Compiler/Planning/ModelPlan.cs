using System.Collections.Generic;
using System.Threading;
using MatMulFree.Compiler.Model;

namespace MatMulFree.Compiler.Planning
{
    /// <summary>How one BitLinear is written out: its product plan and where its
    /// straight-line code is cut into methods.</summary>
    public sealed class BitLinearPlan
    {
        public BitLinearPlan(BitLinearWeights weights, TernaryProductPlan product,
            IReadOnlyList<(int Start, int Count)> sharedSumMethods, IReadOnlyList<(int Start, int Count)> rowMethods)
        {
            Weights = weights;
            Product = product;
            SharedSumMethods = sharedSumMethods;
            RowMethods = rowMethods;
        }

        public BitLinearWeights Weights { get; }
        public TernaryProductPlan Product { get; }
        /// <summary>Ranges of <see cref="TernaryProductPlan.SharedSums"/>, one method each.</summary>
        public IReadOnlyList<(int Start, int Count)> SharedSumMethods { get; }
        /// <summary>Ranges of output rows, one method each.</summary>
        public IReadOnlyList<(int Start, int Count)> RowMethods { get; }

        /// <summary>Operands read by the unrolled code: a measure of its size.</summary>
        public long UnrolledTerms => Product.Terms + 2L * Product.SharedSums.Count;
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

        /// <summary>Plans every BitLinear of <paramref name="model"/> (adder sharing, method split).</summary>
        public static ModelPlan Create(ModelDefinition model, CancellationToken cancellationToken = default)
        {
            var layers = new List<BitLinearPlan>();
            foreach (var w in model.BitLinears())
            {
                cancellationToken.ThrowIfCancellationRequested();
                layers.Add(Plan(w));
            }
            return new ModelPlan(model, layers);
        }

        public static BitLinearPlan Plan(BitLinearWeights w)
        {
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
            return new BitLinearPlan(w, product, JitMethodBudget.Split(sharedTerms), JitMethodBudget.Split(rowTerms));
        }
    }
}
