using System;
using System.IO;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using MatMulFree.Runtime;
using Xunit;

namespace MatMulFree.Tests.Runtime
{
    /// <summary>
    /// The three homes of a model's embeddings (an array, the weights file on disk, the memory of
    /// a weights file embedded in an assembly) give the same rows; a non-finite row is an error
    /// naming the token; a row whose bytes changed after the table was made is refused; and
    /// rows read from a read-only file mapping do not pile up in the resident set (the sweep
    /// every <see cref="EmbeddingTable.SweepRows"/> rows).
    /// </summary>
    public sealed unsafe class EmbeddingTableTests : IDisposable
    {
        private const int Vocab = 1000, Hidden = 1024, Offset = 96;
        private readonly string _path = Path.Combine(Path.GetTempPath(), $"mmf-embed-{Guid.NewGuid():N}.bin");
        private readonly float[] _values = new float[Vocab * Hidden];
        private readonly byte[] _rowSha256 = new byte[32 * Vocab];

        public EmbeddingTableTests()
        {
            var random = new Random(11);
            for (int k = 0; k < _values.Length; k++) _values[k] = (float)(random.NextDouble() * 2 - 1);
            _values[17 * Hidden + 5] = float.NaN;
            var bytes = new byte[Offset + 4 * _values.Length];
            MemoryMarshal.AsBytes(_values.AsSpan()).CopyTo(bytes.AsSpan(Offset));
            File.WriteAllBytes(_path, bytes);
            for (int t = 0; t < Vocab; t++)
            {
                System.Security.Cryptography.SHA256.HashData(MemoryMarshal.AsBytes(_values.AsSpan(t * Hidden, Hidden)), _rowSha256.AsSpan(32 * t, 32));
            }
        }

        public void Dispose() => File.Delete(_path);

        private void AssertRows(EmbeddingTable table, int[] tokens)
        {
            var row = new float[Hidden];
            foreach (int t in tokens)
            {
                if (t == 17)
                {
                    var e = Assert.Throws<InvalidDataException>(() => table.CopyRow(t, row));
                    Assert.Contains("token 17", e.Message);
                    Assert.Contains("NaN", e.Message);
                    continue;
                }
                table.CopyRow(t, row);
                Assert.True(row.AsSpan().SequenceEqual(_values.AsSpan(t * Hidden, Hidden)), $"row {t}");
            }
        }

        [Fact]
        public void Array_file_and_memory_give_the_same_rows()
        {
            int[] tokens = { 0, 1, 999, 17, 500, 3 };
            AssertRows(EmbeddingTable.FromArray(_values, Vocab, Hidden), new[] { 0, 1, 999, 500, 3 });
            using (var onDisk = EmbeddingTable.FromFile(_path, Offset, Vocab, Hidden, _rowSha256))
            {
                Assert.True(onDisk.IsOnDisk);
                AssertRows(onDisk, tokens);
            }
            var image = File.ReadAllBytes(_path);
            fixed (byte* p = image)
            {
                var inMemory = EmbeddingTable.FromMemory(p + Offset, Vocab, Hidden, "test image", _rowSha256);
                Assert.True(inMemory.IsInMemory);
                AssertRows(inMemory, tokens);
            }
        }

        [Fact]
        public void A_row_changed_after_the_table_was_made_is_refused_not_used()
        {
            var row = new float[Hidden];
            using (var onDisk = EmbeddingTable.FromFile(_path, Offset, Vocab, Hidden, _rowSha256))
            {
                onDisk.CopyRow(5, row);
                // The file is rewritten in place (one float of row 5) while the table is in use.
                using (var f = new FileStream(_path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
                {
                    f.Position = Offset + 4L * (5 * Hidden + 3);
                    f.Write(BitConverter.GetBytes(0.5f));
                }
                var e = Assert.Throws<InvalidDataException>(() => onDisk.CopyRow(5, row));
                Assert.Contains("token 5", e.Message);
                Assert.Contains("changed", e.Message);
                onDisk.CopyRow(6, row);
                Assert.True(row.AsSpan().SequenceEqual(_values.AsSpan(6 * Hidden, Hidden)));
                // Cut short: a read past the end is an error too, not a crash.
                using (var f = new FileStream(_path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
                {
                    f.SetLength(Offset + 4L * 100 * Hidden);
                }
                Assert.Throws<InvalidDataException>(() => onDisk.CopyRow(900, row));
            }
            var image = new byte[Offset + 4 * _values.Length];
            MemoryMarshal.AsBytes(_values.AsSpan()).CopyTo(image.AsSpan(Offset));
            fixed (byte* p = image)
            {
                var inMemory = EmbeddingTable.FromMemory(p + Offset, Vocab, Hidden, "test image", _rowSha256);
                image[Offset + 4 * (9 * Hidden) + 1] ^= 1;
                Assert.Throws<InvalidDataException>(() => inMemory.CopyRow(9, row));
            }
            Assert.Throws<ArgumentException>(() => EmbeddingTable.FromFile(_path, Offset, Vocab, Hidden, new byte[32]));
        }

        [Fact]
        public void Rows_read_from_a_read_only_mapping_do_not_pile_up()
        {
            using var view = new MappedView(_path, new FileInfo(_path).Length, MemoryMappedFileAccess.Read);
            var table = EmbeddingTable.FromMemory(view.Pointer + Offset, Vocab, Hidden, "mapped test file", _rowSha256);
            var tokens = new int[3 * EmbeddingTable.SweepRows];
            for (int k = 0; k < tokens.Length; k++) tokens[k] = k == 17 ? 18 : k;
            AssertRows(table, tokens);
            if (!OperatingSystem.IsLinux()) return;
            // 768 distinct rows of 4 KiB were read; after the last sweep at most SweepRows rows'
            // pages (2 each) can be resident again.
            long rss = ResidentPagesTests.MappingRssKiB(view.Pointer);
            Assert.True(rss <= 8 * EmbeddingTable.SweepRows + 64, $"{rss} KiB of the table resident after reading {tokens.Length} rows");
            AssertRows(table, new[] { 0, 1, 700, 17 });
        }
    }
}
