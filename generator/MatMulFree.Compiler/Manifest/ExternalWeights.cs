namespace MatMulFree.Compiler.Manifest
{
    /// <summary>
    /// The manifest's <c>"weights"</c> object: a binary file beside the manifest
    /// that holds the data of the tensors whose entry says <c>"file"</c> instead of
    /// <c>"data"</c> (docs/manifest.md, "External weights"). Big models keep their
    /// tensors there so that the manifest stays a small text.
    /// </summary>
    public sealed class WeightsFileReference
    {
        public WeightsFileReference(string path, long size, string sha256)
        {
            Path = path;
            Size = size;
            Sha256 = sha256;
        }

        /// <summary>Relative to the manifest's folder, '/'-separated, never rooted, never "..".</summary>
        public string Path { get; }
        public long Size { get; }
        /// <summary>SHA-256 of the whole file, 64 lowercase hexadecimal digits.</summary>
        public string Sha256 { get; }
    }

    /// <summary>Where one tensor's data lies in the external weights file, and its dtype.</summary>
    public sealed class ExternalRange
    {
        public ExternalRange(long offset, long length, string dtype)
        {
            Offset = offset;
            Length = length;
            Dtype = dtype;
        }

        public long Offset { get; }
        public long Length { get; }
        /// <summary>"trit2", "f32", "f16" or "bf16", as in the manifest.</summary>
        public string Dtype { get; }
    }

    /// <summary>An opened external weights file (the runtime maps it into memory).</summary>
    public interface IWeightsFile
    {
        long Length { get; }

        /// <summary>SHA-256 of the whole file as 64 lowercase hexadecimal digits.</summary>
        string ComputeSha256();

        /// <summary>Copies <paramref name="buffer"/>.Length bytes starting at <paramref name="offset"/>
        /// (the reader has checked that they lie inside the file).</summary>
        void Read(long offset, byte[] buffer);

        /// <summary>Reads little-endian float32 values straight into <paramref name="values"/>
        /// (f32 tensors need no byte copy of their own).</summary>
        void ReadFloats(long offset, float[] values);
    }

    /// <summary>Finds and opens the weights file a manifest names. Returns null and a
    /// sentence when it cannot (missing file, unsafe path); the reader turns that
    /// into a located manifest error.</summary>
    public interface IWeightsFileResolver
    {
        IWeightsFile? Open(WeightsFileReference reference, out string? problem);
    }

    /// <summary>
    /// For compilers that do no file I/O (the source generator): tensors in the
    /// external file are validated (range, alignment, length) but not read; the
    /// model they get marks them with their <see cref="ExternalRange"/> and holds
    /// no data for them, and the integrity digest (which covers that data) cannot
    /// be checked: the generated code checks the file's SHA-256 when it loads it.
    /// Only the ternary weights and the embeddings may be deferred.
    /// </summary>
    public sealed class DeferExternalWeights : IWeightsFileResolver
    {
        public static readonly DeferExternalWeights Instance = new DeferExternalWeights();

        private DeferExternalWeights()
        {
        }

        public IWeightsFile? Open(WeightsFileReference reference, out string? problem)
        {
            problem = null;
            return null;
        }
    }
}
