using System.Collections.Generic;
using MatMulFree.Model;

namespace MatMulFree.Model.Manifest
{
    /// <summary>Whether a tensor is ternary (packed trits and a beta) or full precision.</summary>
    public enum TensorKind
    {
        Float,
        Ternary,
    }

    /// <summary>One tensor a model of a given architecture must have.</summary>
    public sealed class TensorSlot
    {
        public TensorSlot(string name, TensorKind kind, params long[] shape)
        {
            Name = name;
            Kind = kind;
            Shape = shape;
        }

        public string Name { get; }
        public TensorKind Kind { get; }
        public long[] Shape { get; }

        public long ElementCount => ShapeMath.ElementCount(Shape);
    }

    /// <summary>The tensors of docs/model.md, by checkpoint name, for one architecture.</summary>
    public static class TensorCatalog
    {
        public static IReadOnlyList<TensorSlot> For(Architecture a)
        {
            long h = a.Hidden, i = a.Intermediate, v = a.Vocab;
            var slots = new List<TensorSlot>
            {
                new TensorSlot(TensorNames.Embeddings, TensorKind.Float, v, h),
                new TensorSlot(TensorNames.LowerBounds, TensorKind.Float, a.Layers, h),
            };
            for (int l = 0; l < a.Layers; l++)
            {
                string p = TensorNames.Block(l);
                slots.Add(new TensorSlot(p + ".attn_norm.weight", TensorKind.Float, h));
                foreach (var proj in new[] { "i", "f", "g", "o" })
                {
                    slots.Add(new TensorSlot($"{p}.attn.{proj}_proj.weight", TensorKind.Ternary, h, h));
                    slots.Add(new TensorSlot($"{p}.attn.{proj}_proj.norm.weight", TensorKind.Float, h));
                }
                slots.Add(new TensorSlot(p + ".attn.g_norm.weight", TensorKind.Float, h));
                slots.Add(new TensorSlot(p + ".mlp_norm.weight", TensorKind.Float, h));
                slots.Add(new TensorSlot(p + ".mlp.gate_proj.weight", TensorKind.Ternary, 2 * i, h));
                slots.Add(new TensorSlot(p + ".mlp.gate_proj.norm.weight", TensorKind.Float, h));
                slots.Add(new TensorSlot(p + ".mlp.down_proj.weight", TensorKind.Ternary, h, i));
                slots.Add(new TensorSlot(p + ".mlp.down_proj.norm.weight", TensorKind.Float, i));
            }
            slots.Add(new TensorSlot(TensorNames.FinalNorm, TensorKind.Float, h));
            slots.Add(new TensorSlot(TensorNames.Weight(TensorNames.LmHead), TensorKind.Ternary, v, h));
            slots.Add(new TensorSlot(TensorNames.Norm(TensorNames.LmHead), TensorKind.Float, h));
            return slots;
        }
    }
}
