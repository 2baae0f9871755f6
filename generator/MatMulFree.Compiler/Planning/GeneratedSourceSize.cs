using MatMulFree.Compiler.Emit;
using MatMulFree.Model;

namespace MatMulFree.Compiler.Planning
{
    /// <summary>
    /// About how many characters of C# a model plan becomes, counted before anything is
    /// written, so that the generator can refuse a model whose code would cost the compiler
    /// minutes and gigabytes (MMF0027): each constant and each unrolled operand at the width
    /// the emitter writes it, plus the tokenizer's literals and a fixed part per layer.
    /// It errs high, never by much (GeneratedCodeTests compares it with what is emitted).
    /// </summary>
    public static class GeneratedSourceSize
    {
        /// <summary>A float constant, "-1.23456791E-05f, ", and its share of the line.</summary>
        public const int PerFloat = 18;
        /// <summary>A pair-code byte, "0xAB, ", and its share of the line.</summary>
        public const int PerCodeByte = 7;
        /// <summary>An operand of unrolled code (" - p[1234]"; a shared sum, two operands, has a comment with its pattern), and its share of the line.</summary>
        public const int PerTerm = 17;
        /// <summary>The methods, remarks and wiring of one BitLinear, of one block, and of the model.</summary>
        public const int PerLayer = 4096, PerBlock = 4096, Fixed = 16384;

        public static long Estimate(ModelPlan plan)
        {
            var m = plan.Model;
            var a = m.Architecture;
            long floats = m.ExternalEmbeddings == null ? (long)a.Vocab * a.Hidden : 0;
            floats += m.FinalNorm.Length;
            foreach (var b in m.Blocks)
            {
                floats += b.AttentionNorm.Length + b.MlpNorm.Length + b.Mlgru.GateNorm.Length + (b.Mlgru.LowerBound?.Length ?? 0);
            }
            long size = Fixed + (long)PerBlock * m.Blocks.Count;
            foreach (var layer in plan.Layers)
            {
                var t = layer.Weights.Weight;
                floats += layer.Weights.NormWeight.Length;
                size += PerLayer + PerTerm * layer.UnrolledTerms;
                if (layer.PairCodes != null)
                {
                    size += PerCodeByte * layer.PairCodes.LongLength;
                }
            }
            size += PerFloat * floats;
            var tok = m.Tokenizer;
            foreach (var piece in tok.Pieces)
            {
                size += piece == null ? 6 : CSharpText.Literal(piece).Length + 2;
            }
            foreach (var merge in tok.Merges)
            {
                size += CSharpText.Literal(merge).Length + 2;
            }
            foreach (var s in tok.SpecialTokens)
            {
                size += CSharpText.Literal(s.Text).Length + 32;
            }
            return size;
        }
    }
}
