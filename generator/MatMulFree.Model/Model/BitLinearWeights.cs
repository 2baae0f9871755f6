namespace MatMulFree.Model
{
    /// <summary>
    /// One BitLinear layer (docs/model.md): its own RMSNorm weight over the N inputs
    /// and the ternary matrix of M outputs by N inputs. No bias.
    /// </summary>
    public sealed class BitLinearWeights
    {
        public BitLinearWeights(string name, float[] normWeight, TernaryMatrix weight)
        {
            Name = name;
            NormWeight = normWeight;
            Weight = weight;
        }

        /// <summary>The checkpoint prefix, e.g. "model.layers.0.attn.i_proj".</summary>
        public string Name { get; }
        public float[] NormWeight { get; }
        public TernaryMatrix Weight { get; }
        public int InFeatures => Weight.Columns;
        public int OutFeatures => Weight.Rows;
    }
}
