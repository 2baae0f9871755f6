using System;
using System.IO;
using System.IO.MemoryMappedFiles;

namespace MatMulFree.Runtime
{
    /// <summary>
    /// The token embeddings [vocab, hidden] a model copies one row of per token:
    /// a float32 array, or, for a manifest whose f32 embeddings are in an external
    /// weights file, that range of the file mapped read-only and left there. Then
    /// only the rows of tokens actually seen are ever paged in (the 370M model's
    /// table is 125 MiB; a prompt touches a few hundred KiB of it). Mapped rows are
    /// checked for non-finite values as they are copied; the file's SHA-256 and
    /// the manifest's digest were checked when it was loaded.
    /// </summary>
    public sealed unsafe class EmbeddingTable : IDisposable
    {
        private readonly float[]? _values;
        private readonly MemoryMappedFile? _map;
        private readonly MemoryMappedViewAccessor? _view;
        private readonly float* _rows;
        private readonly string _source;

        private EmbeddingTable(int vocab, int hidden, float[]? values, MemoryMappedFile? map, MemoryMappedViewAccessor? view, float* rows, string source)
        {
            Vocab = vocab;
            Hidden = hidden;
            _values = values;
            _map = map;
            _view = view;
            _rows = rows;
            _source = source;
        }

        public int Vocab { get; }
        public int Hidden { get; }

        /// <summary>True when the rows stay in the mapped file.</summary>
        public bool IsMapped => _view != null;

        public static EmbeddingTable FromArray(float[] values, int vocab, int hidden)
        {
            if (values.LongLength != (long)vocab * hidden)
            {
                throw new ArgumentException($"{values.LongLength} values cannot be a [{vocab}, {hidden}] embedding table", nameof(values));
            }
            return new EmbeddingTable(vocab, hidden, values, null, null, null, "");
        }

        /// <summary>Maps the little-endian f32 table at <paramref name="offset"/> of <paramref name="path"/>.</summary>
        public static EmbeddingTable MapFile(string path, long offset, int vocab, int hidden)
        {
            if (!BitConverter.IsLittleEndian)
            {
                throw new PlatformNotSupportedException("weights files are little-endian; big-endian hosts are not supported");
            }
            long length = 4L * vocab * hidden;
            var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            MemoryMappedViewAccessor? view = null;
            try
            {
                view = map.CreateViewAccessor(offset, length, MemoryMappedFileAccess.Read);
                byte* start = null;
                view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
                return new EmbeddingTable(vocab, hidden, null, map, view, (float*)(start + view.PointerOffset), path);
            }
            catch
            {
                view?.Dispose();
                map.Dispose();
                throw;
            }
        }

        /// <summary>Copies token <paramref name="token"/>'s row (the caller has checked the id).</summary>
        public void CopyRow(int token, Span<float> destination)
        {
            if (_values != null)
            {
                _values.AsSpan(token * Hidden, Hidden).CopyTo(destination);
                return;
            }
            var row = new ReadOnlySpan<float>(_rows + (long)token * Hidden, Hidden);
            foreach (float f in row)
            {
                if (!float.IsFinite(f))
                {
                    throw new InvalidDataException($"{_source}: the embedding of token {token} holds {f}");
                }
            }
            row.CopyTo(destination);
        }

        public void Dispose()
        {
            if (_view != null)
            {
                _view.SafeMemoryMappedViewHandle.ReleasePointer();
                _view.Dispose();
            }
            _map?.Dispose();
        }
    }
}
