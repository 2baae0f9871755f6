using System.Collections.Generic;
using MatMulFree.Model;

namespace MatMulFree.Compiler.Planning
{
    /// <summary>How one BitLinear is computed on a target, and why: what the emitters write out.</summary>
    public sealed class LayerPlan
    {
        public LayerPlan(BitLinearWeights weights, ProductForm form, string reason, TernaryProductPlan product,
            IReadOnlyList<(int Start, int Count)> sharedSumMethods, IReadOnlyList<(int Start, int Count)> rowMethods,
            Fold? fold, PlanCause cause, bool batchUnrolled = false, string? batchReason = null,
            IReadOnlyList<(int Start, int Count)>? batchSharedSumMethods = null, IReadOnlyList<(int Start, int Count)>? batchRowMethods = null)
        {
            BatchSharedSumMethods = batchSharedSumMethods ?? System.Array.Empty<(int, int)>();
            BatchRowMethods = batchRowMethods ?? System.Array.Empty<(int, int)>();
            BatchUnrolled = batchUnrolled;
            BatchReason = batchReason ?? (form == ProductForm.Unrolled ? "token by token" : "the packed batch product");
            Cause = cause;
            Weights = weights;
            Form = form;
            Reason = reason;
            Product = product;
            SharedSumMethods = sharedSumMethods;
            RowMethods = rowMethods;
            Fold = fold;
        }

        public BitLinearWeights Weights { get; }
        public ProductForm Form { get; }
        /// <summary>Why the planner chose the form (for the generated remarks and reports).</summary>
        public string Reason { get; }
        /// <summary>Who decided the form.</summary>
        public PlanCause Cause { get; }
        /// <summary>Unrolled: the adder-sharing plan written out. Otherwise the plain row sums'
        /// counts only (<see cref="TernaryProductPlan.Counts"/>), no terms.</summary>
        public TernaryProductPlan Product { get; }
        /// <summary>Unrolled C#: ranges of <see cref="TernaryProductPlan.SharedSums"/>, one method each.</summary>
        public IReadOnlyList<(int Start, int Count)> SharedSumMethods { get; }
        /// <summary>Unrolled C#: ranges of output rows, one method each.</summary>
        public IReadOnlyList<(int Start, int Count)> RowMethods { get; }
        /// <summary>Batches (prefill, several sessions) of an unrolled layer: its unrolled sums over vectors of
        /// tokens (<see cref="TernaryProductPlan"/> written again with a token in each lane), rather than its
        /// one-token code once per token. Layers not unrolled run the runtime's packed batch product.</summary>
        public bool BatchUnrolled { get; }
        /// <summary>Batch-unrolled C#: the ranges of <see cref="SharedSumMethods"/> and <see cref="RowMethods"/>
        /// for the statements over vectors, whose IL is larger.</summary>
        public IReadOnlyList<(int Start, int Count)> BatchSharedSumMethods { get; }
        public IReadOnlyList<(int Start, int Count)> BatchRowMethods { get; }
        /// <summary>Why the layer's batches run as they do (for the generated remarks).</summary>
        public string BatchReason { get; }
        /// <summary>Folded: the PE x SIMD parallelism; null otherwise.</summary>
        public Fold? Fold { get; }

        /// <summary>Operands read by the unrolled code: a measure of its size (0 when not unrolled).</summary>
        public long UnrolledTerms => Form == ProductForm.Unrolled ? Product.Terms + 2L * Product.SharedSums.Count : 0;
    }
}
