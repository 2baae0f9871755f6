using System.Collections.Generic;

namespace MatMulFree.Model
{
    /// <summary>One tensor of a loaded model, for reports (mmf inspect, generated remarks).</summary>
    public sealed class TensorEntry
    {
        public TensorEntry(string name, int[] shape, float[]? values, TernaryMatrix? ternary)
        {
            Name = name;
            Shape = shape;
            Values = values;
            Ternary = ternary;
        }

        public string Name { get; }
        public int[] Shape { get; }
        /// <summary>Full-precision tensors: the float32 values.</summary>
        public float[]? Values { get; }
        /// <summary>Ternary tensors: the matrix.</summary>
        public TernaryMatrix? Ternary { get; }

        public long ElementCount => ShapeMath.ElementCount(System.Linq.Enumerable.Select(Shape, d => (long)d));
    }

    /// <summary>Lists a model's tensors by checkpoint name, in docs/model.md order.</summary>
    public static class TensorInventory
    {
        public static IEnumerable<TensorEntry> Of(ModelDefinition m)
        {
            var a = m.Architecture;
            yield return new TensorEntry(TensorNames.Embeddings, new[] { a.Vocab, a.Hidden }, m.Embeddings, null);
            yield return new TensorEntry(TensorNames.LowerBounds, new[] { a.Layers, a.Hidden }, m.LowerBoundParameters, null);
            foreach (var b in m.Blocks)
            {
                string p = TensorNames.Block(b.Index);
                yield return Vector(p + ".attn_norm.weight", b.AttentionNorm);
                foreach (var e in Linear(b.Mlgru.Input)) yield return e;
                foreach (var e in Linear(b.Mlgru.Forget)) yield return e;
                foreach (var e in Linear(b.Mlgru.Gate)) yield return e;
                foreach (var e in Linear(b.Mlgru.Output)) yield return e;
                yield return Vector(p + ".attn.g_norm.weight", b.Mlgru.GateNorm);
                yield return Vector(p + ".mlp_norm.weight", b.MlpNorm);
                foreach (var e in Linear(b.Glu.GateUp)) yield return e;
                foreach (var e in Linear(b.Glu.Down)) yield return e;
            }
            yield return Vector(TensorNames.FinalNorm, m.FinalNorm);
            foreach (var e in Linear(m.LmHead)) yield return e;
        }

        private static TensorEntry Vector(string name, float[] v) => new TensorEntry(name, new[] { v.Length }, v, null);

        private static IEnumerable<TensorEntry> Linear(BitLinearWeights w)
        {
            yield return new TensorEntry(w.Name + ".weight", new[] { w.Weight.Rows, w.Weight.Columns }, null, w.Weight);
            yield return Vector(w.Name + ".norm.weight", w.NormWeight);
        }
    }
}
