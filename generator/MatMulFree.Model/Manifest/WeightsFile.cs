namespace MatMulFree.Model.Manifest
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

    /// <summary>Where one tensor's data lies in the external weights file, its dtype, and once
    /// <see cref="WeightsFileScan"/> has read it, the SHA-256 of those bytes (and of each row, for
    /// a table read a row at a time): every later read of the range is checked against them, so
    /// a model does not change when its file changes after it was verified.</summary>
    public sealed class WeightsFileRange
    {
        public WeightsFileRange(long offset, long length, string dtype, int rowBytes = 0)
        {
            Offset = offset;
            Length = length;
            Dtype = dtype;
            RowBytes = rowBytes;
        }

        public long Offset { get; }
        public long Length { get; }
        /// <summary>"trit2", "f32", "f16" or "bf16", as in the manifest.</summary>
        public string Dtype { get; }
        /// <summary>Bytes per row when each row is hashed too (a table read a row at a time), else 0.</summary>
        public int RowBytes { get; }
        /// <summary>SHA-256 of the range's bytes as scanned; null until scanned.</summary>
        public byte[]? Sha256 { get; internal set; }
        /// <summary>SHA-256 of each row in turn (32 bytes a row) when <see cref="RowBytes"/> is set.</summary>
        public byte[]? RowSha256 { get; internal set; }
    }

    /// <summary>An opened external weights file: positioned reads of a file the reader
    /// does not trust to stay the same (every read is checked by the caller).</summary>
    public interface IWeightsFile
    {
        /// <summary>The length when it was opened.</summary>
        long Length { get; }

        /// <summary>Copies <paramref name="count"/> bytes starting at <paramref name="offset"/> into
        /// <paramref name="buffer"/> at <paramref name="index"/>; an <see cref="System.IO.IOException"/>
        /// when the file no longer has them (it shrank after it was opened).</summary>
        void Read(long offset, byte[] buffer, int index, int count);

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
    /// model they get marks them with their <see cref="WeightsFileRange"/> and holds
    /// no data for them, and the integrity digest (which covers that data) cannot
    /// be checked: the generated code checks the file's SHA-256 when it loads it.
    /// Only the ternary weights and the embeddings may be deferred.
    /// </summary>
    public sealed class DeferWeightsFile : IWeightsFileResolver
    {
        public static readonly DeferWeightsFile Instance = new DeferWeightsFile();

        private DeferWeightsFile()
        {
        }

        public IWeightsFile? Open(WeightsFileReference reference, out string? problem)
        {
            problem = null;
            return null;
        }
    }
}
