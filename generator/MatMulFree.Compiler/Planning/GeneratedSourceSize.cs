using MatMulFree.Compiler.Emit;
using MatMulFree.Model;

namespace MatMulFree.Compiler.Planning
{
    /// <summary>
    /// About how many characters of C# a model plan becomes, counted before anything is
    /// written, so that the generator can refuse a model whose code would cost the compiler
    /// minutes and gigabytes (MMF0027): each unrolled operand at the width the emitter writes
    /// it, the special tokens' literals, and a fixed part per layer and block. The model's
    /// numbers are not source (they are the build's data resource), so a packed model's code
    /// is about its layer count. It errs high, never by much (GeneratedCodeTests compares it
    /// with what is emitted).
    /// </summary>
    public static class GeneratedSourceSize
    {
        /// <summary>An operand of unrolled code (" - p[1234]"; a shared sum, two operands, has a comment with its pattern), and its share of the line.</summary>
        public const int PerTerm = 17;
        /// <summary>The methods, remarks, data fields and wiring (single and batched steps) of one BitLinear, of one block, and of the model.</summary>
        public const int PerLayer = 2048, PerBlock = 3584, Fixed = 8192;
        /// <summary>What an unrolled layer adds to <see cref="PerLayer"/>: its methods, their remarks and the comments per column group.</summary>
        public const int PerUnrolledLayer = 2048;
        /// <summary>What a layer unrolled for batches too adds beyond its second copy of the sums: its batch method.</summary>
        public const int PerBatchUnrolledLayer = 768;

        public static long Estimate(ModelPlan plan)
        {
            var m = plan.Model;
            long size = Fixed + (long)PerBlock * m.Blocks.Count;
            foreach (var layer in plan.Layers)
            {
                size += PerLayer + PerTerm * layer.UnrolledTerms + (layer.Form == ProductForm.Unrolled ? PerUnrolledLayer : 0);
                if (layer.BatchUnrolled)
                {
                    // Its sums written again over vectors of tokens, and the batch method around them.
                    size += PerTerm * layer.UnrolledTerms + PerUnrolledLayer + PerBatchUnrolledLayer;
                }
            }
            foreach (var s in m.Tokenizer.SpecialTokens)
            {
                size += CSharpText.Literal(s.Text).Length + 80;
            }
            return size;
        }
    }
}
