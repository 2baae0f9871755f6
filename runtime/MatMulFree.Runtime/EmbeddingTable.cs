using System;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace MatMulFree.Runtime
{
    /// <summary>
    /// The token embeddings [vocab, hidden] a model copies one row of per token:
    /// a float32 array, or, for a manifest whose f32 embeddings are in an external
    /// weights file, that range of the file left on disk and read one row per
    /// token (a positioned read of hidden * 4 bytes). The table is not held in
    /// memory at all (the 370M model's is 125 MiB), and unlike a mapping, rows read
    /// do not accumulate in the process's resident set. Rows are checked for
    /// non-finite values as they are read; the file's SHA-256 and the manifest's
    /// digest were checked when it was loaded.
    /// </summary>
    public sealed class EmbeddingTable : IDisposable
    {
        private readonly float[]? _values;
        private readonly SafeFileHandle? _file;
        private readonly long _offset;
        private readonly string _source;

        private EmbeddingTable(int vocab, int hidden, float[]? values, SafeFileHandle? file, long offset, string source)
        {
            Vocab = vocab;
            Hidden = hidden;
            _values = values;
            _file = file;
            _offset = offset;
            _source = source;
        }

        public int Vocab { get; }
        public int Hidden { get; }

        /// <summary>True when the rows are read from the weights file as needed.</summary>
        public bool IsOnDisk => _file != null;

        public static EmbeddingTable FromArray(float[] values, int vocab, int hidden)
        {
            if (values.LongLength != (long)vocab * hidden)
            {
                throw new ArgumentException($"{values.LongLength} values cannot be a [{vocab}, {hidden}] embedding table", nameof(values));
            }
            return new EmbeddingTable(vocab, hidden, values, null, 0, "");
        }

        /// <summary>The little-endian f32 table at <paramref name="offset"/> of <paramref name="path"/>, read row by row.</summary>
        public static EmbeddingTable FromFile(string path, long offset, int vocab, int hidden)
        {
            if (!BitConverter.IsLittleEndian)
            {
                throw new PlatformNotSupportedException("weights files are little-endian; big-endian hosts are not supported");
            }
            var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
            return new EmbeddingTable(vocab, hidden, null, file, offset, path);
        }

        /// <summary>Copies token <paramref name="token"/>'s row (the caller has checked the id).</summary>
        public void CopyRow(int token, Span<float> destination)
        {
            if (_values != null)
            {
                _values.AsSpan(token * Hidden, Hidden).CopyTo(destination);
                return;
            }
            var row = destination.Slice(0, Hidden);
            var bytes = MemoryMarshal.AsBytes(row);
            long at = _offset + 4L * token * Hidden;
            for (int done = 0; done < bytes.Length;)
            {
                int read = RandomAccess.Read(_file!, bytes.Slice(done), at + done);
                if (read <= 0)
                {
                    throw new InvalidDataException($"{_source}: the embedding of token {token} is cut short (the file changed after it was checked)");
                }
                done += read;
            }
            foreach (float f in row)
            {
                if (!float.IsFinite(f))
                {
                    throw new InvalidDataException($"{_source}: the embedding of token {token} holds {f}");
                }
            }
        }

        public void Dispose() => _file?.Dispose();
    }
}
