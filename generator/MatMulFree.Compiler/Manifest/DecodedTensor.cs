namespace MatMulFree.Compiler.Manifest
{
    /// <summary>A validated tensor of a manifest: its encoded bytes (as hashed) and
    /// their meaning (float32 values, or trits and beta).</summary>
    internal sealed class DecodedTensor
    {
        public DecodedTensor(TensorSlot slot, string dtype, byte[] payload, float[]? values, float beta)
        {
            Slot = slot;
            Dtype = dtype;
            Payload = payload;
            Values = values;
            Beta = beta;
        }

        public TensorSlot Slot { get; }
        public string Dtype { get; }
        /// <summary>The bytes the manifest's base64 decodes to.</summary>
        public byte[] Payload { get; }
        /// <summary>Float tensors: the values widened to float32. Null for ternary ones.</summary>
        public float[]? Values { get; }
        /// <summary>Ternary tensors: the scale; 0 for float ones.</summary>
        public float Beta { get; }
    }
}
