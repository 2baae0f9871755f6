using System;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace MatMulFree.Runtime
{
    /// <summary>
    /// The token embeddings [vocab, hidden] a model copies one row of per token:
    /// a float32 array, or, for a manifest whose f32 embeddings are in an external
    /// weights file, that range of the file left where it is and read one row per
    /// token: on disk (a positioned read of hidden * 4 bytes), or in the memory of
    /// the weights file a generated model embeds in its assembly. The table is not
    /// held in memory at all (the 370M model's is 125 MiB). Rows read from disk do
    /// not accumulate in the process's resident set; rows read from an embedded file
    /// do until the next sweep, which every <see cref="SweepRows"/> rows gives the
    /// table's pages back (<see cref="ResidentPages"/>, where it can). Rows are checked
    /// for non-finite values as they are read, and against the SHA-256 each row had when
    /// the file was verified (<see cref="global::MatMulFree.Model.Manifest.WeightsFileScan"/>): a model
    /// whose file is changed afterwards refuses the changed row instead of computing with it.
    /// </summary>
    public sealed unsafe class EmbeddingTable : IDisposable
    {
        /// <summary>Rows read from memory between two sweeps of the table's resident pages: at most
        /// 2 pages each stay resident meanwhile (8 KiB at hidden 1024, 2 MiB in all), and a sweep, one
        /// system call over the table's page-table entries, costs well under a token step.</summary>
        public const int SweepRows = 256;

        private readonly float[]? _values;
        private readonly SafeFileHandle? _file;
        private readonly byte* _memory;
        private readonly bool _releasable;
        private int _rowsSinceSweep;
        private readonly long _offset;
        private readonly string _source;
        private readonly byte[]? _rowSha256;

        private EmbeddingTable(int vocab, int hidden, float[]? values, SafeFileHandle? file, byte* memory, long offset, string source, byte[]? rowSha256 = null)
        {
            if (values == null && (rowSha256 == null || rowSha256.LongLength != 32L * vocab))
            {
                throw new ArgumentException("a table read from a file or memory needs the SHA-256 of each of its rows", nameof(rowSha256));
            }
            _rowSha256 = rowSha256;
            Vocab = vocab;
            Hidden = hidden;
            _values = values;
            _file = file;
            _memory = memory;
            _offset = offset;
            _source = source;
            _releasable = memory != null && ResidentPages.IsReleasable(memory, TableBytes);
        }

        public int Vocab { get; }
        public int Hidden { get; }

        private long TableBytes => 4L * Vocab * Hidden;

        /// <summary>True when the rows are read from the weights file as needed.</summary>
        public bool IsOnDisk => _file != null;

        /// <summary>True when the rows are read from memory that holds the weights file (an embedded resource).</summary>
        public bool IsInMemory => _memory != null;

        public static EmbeddingTable FromArray(float[] values, int vocab, int hidden)
        {
            if (values.LongLength != (long)vocab * hidden)
            {
                throw new ArgumentException($"{values.LongLength} values cannot be a [{vocab}, {hidden}] embedding table", nameof(values));
            }
            return new EmbeddingTable(vocab, hidden, values, null, null, 0, "");
        }

        /// <summary>The little-endian f32 table at <paramref name="offset"/> of <paramref name="path"/>, read row by row,
        /// each row checked against its SHA-256 in <paramref name="rowSha256"/> (32 bytes a row, from the scan that verified the file).</summary>
        /// <param name="allowedFolders">The folders the file must lie in (<see cref="Files.ModelFile.Open"/>), as when it was verified.</param>
        public static EmbeddingTable FromFile(string path, long offset, int vocab, int hidden, byte[] rowSha256, params string[] allowedFolders)
        {
            RequireLittleEndian();
            var file = Files.ModelFile.Open(path, "weights file", long.MaxValue, out _, allowedFolders);
            return new EmbeddingTable(vocab, hidden, null, file, null, offset, path, rowSha256);
        }

        /// <summary>The little-endian f32 table at <paramref name="table"/>, memory that stays valid as long as the
        /// table is used (an embedded resource of a loaded assembly), read row by row.</summary>
        public static EmbeddingTable FromMemory(byte* table, int vocab, int hidden, string source, byte[] rowSha256)
        {
            RequireLittleEndian();
            if (table == null)
            {
                throw new ArgumentNullException(nameof(table));
            }
            return new EmbeddingTable(vocab, hidden, null, null, table, 0, source, rowSha256);
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
            if (_memory != null)
            {
                new ReadOnlySpan<byte>(_memory + at, bytes.Length).CopyTo(bytes);
                if (_releasable && System.Threading.Interlocked.Increment(ref _rowsSinceSweep) % SweepRows == 0)
                {
                    ResidentPages.Release(_memory, TableBytes);
                }
            }
            else
            {
                for (int done = 0; done < bytes.Length;)
                {
                    int read = RandomAccess.Read(_file!, bytes.Slice(done), at + done);
                    if (read <= 0)
                    {
                        throw new InvalidDataException($"{_source}: the embedding of token {token} is cut short (the file changed after it was verified)");
                    }
                    done += read;
                }
            }
            CheckVerified(token, bytes);
            CheckFinite(token, row);
        }

        /// <summary>The row's bytes must hash to what they hashed to when the file was verified.</summary>
        private void CheckVerified(int token, ReadOnlySpan<byte> bytes)
        {
            Span<byte> hash = stackalloc byte[32];
            System.Security.Cryptography.SHA256.HashData(bytes, hash);
            if (!hash.SequenceEqual(_rowSha256.AsSpan(32 * token, 32)))
            {
                throw new InvalidDataException($"{_source}: the embedding of token {token} is not what was verified when the model was loaded (the weights file changed since)");
            }
        }

        /// <summary>Rows are read as stored: little-endian f32.</summary>
        private static void RequireLittleEndian()
        {
            if (!BitConverter.IsLittleEndian)
            {
                throw new PlatformNotSupportedException("weights files are little-endian; big-endian hosts are not supported");
            }
        }

        private void CheckFinite(int token, ReadOnlySpan<float> row)
        {
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
