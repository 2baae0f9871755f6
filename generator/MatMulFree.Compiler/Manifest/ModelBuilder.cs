using System.Collections.Generic;
using MatMulFree.Compiler.Model;
using MatMulFree.Compiler.Numerics;

namespace MatMulFree.Compiler.Manifest
{
    /// <summary>Assembles validated tensors into the structure of MODEL.md.</summary>
    internal static class ModelBuilder
    {
        public static ModelDefinition Build(string name, Architecture a, TokenizerSpec tokenizer,
            Dictionary<string, DecodedTensor> t, string digest)
        {
            float[] F(string n) => t[n].Values!;
            BitLinearWeights Linear(string prefix)
            {
                var w = t[prefix + ".weight"];
                var matrix = new TernaryMatrix((int)w.Slot.Shape[0], (int)w.Slot.Shape[1], w.Beta, w.Payload);
                return new BitLinearWeights(prefix, F(prefix + ".norm.weight"), matrix);
            }

            var lowerBounds = LowerBounds.Derive(F("model.lower_bounds"), a.Layers, a.Hidden);
            var blocks = new List<BlockWeights>(a.Layers);
            for (int l = 0; l < a.Layers; l++)
            {
                string p = "model.layers." + l;
                float[]? lb = null;
                if (l > 0)
                {
                    lb = new float[a.Hidden];
                    System.Array.Copy(lowerBounds, l * a.Hidden, lb, 0, a.Hidden);
                }
                var mlgru = new MlgruWeights(Linear(p + ".attn.i_proj"), Linear(p + ".attn.f_proj"),
                    Linear(p + ".attn.g_proj"), Linear(p + ".attn.o_proj"), F(p + ".attn.g_norm.weight"), lb);
                var glu = new GluWeights(Linear(p + ".mlp.gate_proj"), Linear(p + ".mlp.down_proj"));
                blocks.Add(new BlockWeights(l, F(p + ".attn_norm.weight"), mlgru, F(p + ".mlp_norm.weight"), glu));
            }
            return new ModelDefinition(name, a, tokenizer, F("model.embeddings.weight"), F("model.lower_bounds"), blocks,
                F("model.norm.weight"), Linear("lm_head"), digest);
        }
    }
}
