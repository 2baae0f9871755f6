namespace MatMulFree.Model.Manifest
{
    /// <summary>A validated tensor of a manifest: its encoded bytes (as hashed) and
    /// their meaning (float32 values, or trits and beta).</summary>
    internal sealed class DecodedTensor
    {
        public DecodedTensor(TensorSlot slot, string dtype, byte[]? payload, float[]? values, float beta)
        {
            Slot = slot;
            Dtype = dtype;
            Payload = payload;
            Values = values;
            Beta = beta;
        }

        /// <summary>A tensor left in the external weights file (deferred reading): no data here.</summary>
        public DecodedTensor(TensorSlot slot, string dtype, float beta, WeightsFileRange external)
        {
            Slot = slot;
            Dtype = dtype;
            Beta = beta;
            External = external;
        }

        public TensorSlot Slot { get; }

        /// <summary>Set when the data was not read (see <see cref="DeferWeightsFile"/>).</summary>
        public WeightsFileRange? External { get; }
        public string Dtype { get; }
        /// <summary>The bytes the manifest's data decodes to; null for f32 tensors, whose
        /// bytes are their <see cref="Values"/> (not kept twice: the embeddings of a
        /// released checkpoint are 131 MB).</summary>
        public byte[]? Payload { get; }

        /// <summary>SHA-256 of the tensor's data bytes as stored (f32 values as their little-endian bytes).</summary>
        public byte[] PayloadSha256()
        {
            using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
            if (Payload != null)
            {
                sha.AppendData(Payload);
                return sha.GetHashAndReset();
            }
            var chunk = new byte[System.Math.Max(4, System.Math.Min(1 << 16, Values!.Length * 4))];
            int perChunk = chunk.Length / 4;
            for (int k = 0; k < Values.Length; k += perChunk)
            {
                int n = System.Math.Min(perChunk, Values.Length - k);
                System.Buffer.BlockCopy(Values, 4 * k, chunk, 0, 4 * n);
                sha.AppendData(chunk, 0, 4 * n);
            }
            return sha.GetHashAndReset();
        }

        /// <summary>Float tensors: the values widened to float32. Null for ternary ones.</summary>
        public float[]? Values { get; }
        /// <summary>Ternary tensors: the scale; 0 for float ones.</summary>
        public float Beta { get; }
    }
}
