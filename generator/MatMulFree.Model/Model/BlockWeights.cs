namespace MatMulFree.Model
{
    /// <summary>The MLGRU token mixer of one block (HGRNBitAttention).</summary>
    public sealed class MlgruWeights
    {
        public MlgruWeights(BitLinearWeights input, BitLinearWeights forget, BitLinearWeights gate,
            BitLinearWeights output, float[] gateNorm, float[]? lowerBound)
        {
            Input = input;
            Forget = forget;
            Gate = gate;
            Output = output;
            GateNorm = gateNorm;
            LowerBound = lowerBound;
        }

        /// <summary>i_proj: the candidate.</summary>
        public BitLinearWeights Input { get; }
        /// <summary>f_proj: the forget gate before its sigmoid.</summary>
        public BitLinearWeights Forget { get; }
        /// <summary>g_proj: the output gate.</summary>
        public BitLinearWeights Gate { get; }
        /// <summary>o_proj: the output projection.</summary>
        public BitLinearWeights Output { get; }
        /// <summary>g_norm: RMSNorm weight applied to the output gate.</summary>
        public float[] GateNorm { get; }
        /// <summary>This layer's row of the derived lower bounds; null for layer 0, which skips the bound.</summary>
        public float[]? LowerBound { get; }
    }

    /// <summary>The GLU channel mixer of one block (HGRNBitMLP).</summary>
    public sealed class GluWeights
    {
        public GluWeights(BitLinearWeights gateUp, BitLinearWeights down)
        {
            GateUp = gateUp;
            Down = down;
        }

        /// <summary>gate_proj: 2I outputs, the first I the gate, the next I the up projection.</summary>
        public BitLinearWeights GateUp { get; }
        /// <summary>down_proj: I inputs back to H.</summary>
        public BitLinearWeights Down { get; }
    }

    /// <summary>One pre-norm residual block: x + MLGRU(norm x), then + GLU(norm).</summary>
    public sealed class BlockWeights
    {
        public BlockWeights(int index, float[] attentionNorm, MlgruWeights mlgru, float[] mlpNorm, GluWeights glu)
        {
            Index = index;
            AttentionNorm = attentionNorm;
            Mlgru = mlgru;
            MlpNorm = mlpNorm;
            Glu = glu;
        }

        public int Index { get; }
        public float[] AttentionNorm { get; }
        public MlgruWeights Mlgru { get; }
        public float[] MlpNorm { get; }
        public GluWeights Glu { get; }
    }
}
