using System;
using System.Collections.Generic;
using MatMulFree.Model;
using MatMulFree.Model.Numerics;

namespace MatMulFree.Model.Manifest
{
    /// <summary>Assembles tensors, named as in docs/model.md, into the structure of a model.</summary>
    public static class ModelBuilder
    {
        internal static ModelDefinition Build(string name, Architecture a, TokenizerSpec tokenizer,
            Dictionary<string, DecodedTensor> t, string digest) =>
            Build(name, a, tokenizer, n => t[n].Values ?? Array.Empty<float>(), n =>
            {
                var w = t[n];
                return w.External != null
                    ? new TernaryMatrix((int)w.Slot.Shape[0], (int)w.Slot.Shape[1], w.Beta, w.External)
                    : new TernaryMatrix((int)w.Slot.Shape[0], (int)w.Slot.Shape[1], w.Beta, w.Payload!);
            }, digest);

        /// <param name="floats">A full-precision tensor by checkpoint name.</param>
        /// <param name="ternary">A ternary weight by checkpoint name (e.g. "lm_head.weight").</param>
        public static ModelDefinition Build(string name, Architecture a, TokenizerSpec tokenizer,
            Func<string, float[]> floats, Func<string, TernaryMatrix> ternary, string digest)
        {
            BitLinearWeights Linear(string prefix) => new BitLinearWeights(prefix, floats(prefix + ".norm.weight"), ternary(prefix + ".weight"));

            var lowerBounds = LowerBounds.Derive(floats(TensorNames.LowerBounds), a.Layers, a.Hidden);
            var blocks = new List<BlockWeights>(a.Layers);
            for (int l = 0; l < a.Layers; l++)
            {
                string p = TensorNames.Block(l);
                float[]? lb = null;
                if (l > 0)
                {
                    lb = new float[a.Hidden];
                    Array.Copy(lowerBounds, l * a.Hidden, lb, 0, a.Hidden);
                }
                var mlgru = new MlgruWeights(Linear(p + ".attn.i_proj"), Linear(p + ".attn.f_proj"),
                    Linear(p + ".attn.g_proj"), Linear(p + ".attn.o_proj"), floats(p + ".attn.g_norm.weight"), lb);
                var glu = new GluWeights(Linear(p + ".mlp.gate_proj"), Linear(p + ".mlp.down_proj"));
                blocks.Add(new BlockWeights(l, floats(p + ".attn_norm.weight"), mlgru, floats(p + ".mlp_norm.weight"), glu));
            }
            return new ModelDefinition(name, a, tokenizer, floats(TensorNames.Embeddings), floats(TensorNames.LowerBounds), blocks,
                floats(TensorNames.FinalNorm), Linear(TensorNames.LmHead), digest);
        }
    }
}
