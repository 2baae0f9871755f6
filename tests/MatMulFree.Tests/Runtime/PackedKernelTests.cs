using System;
using System.Linq;
using MatMulFree.Model;
using MatMulFree.Runtime.Kernels;
using Xunit;

namespace MatMulFree.Tests.Runtime
{
    /// <summary>Every path of the packed 2-bit kernel this CPU has, against the one-weight-at-a-time reference; its layout and tables against hand-computed values.</summary>
    public sealed class PackedKernelTests
    {
        public static TheoryData<KernelPath> Paths()
        {
            var data = new TheoryData<KernelPath>();
            foreach (KernelPath p in Enum.GetValues(typeof(KernelPath)))
            {
                if (PackedTernaryKernel.IsSupported(p)) data.Add(p);
            }
            return data;
        }

        private static int[] Packed(KernelPath path, PackedTernaryWeights w, sbyte[] q)
        {
            var padded = new sbyte[w.PaddedColumns];
            q.CopyTo(padded, 0);
            var acc = new int[w.Rows];
            PackedTernaryKernel.Product(path, w, padded, new byte[PairSumTables.Length(w.Groups)], acc, 0, w.Rows);
            return acc;
        }

        private static int[] Reference(MatMulFree.Model.TernaryMatrix m, sbyte[] q)
        {
            var w = new TernaryWeights(m);
            var padded = new sbyte[w.Stride];
            q.CopyTo(padded, 0);
            var acc = new int[w.Rows];
            TernaryKernel.ScalarProduct(w, padded, acc);
            return acc;
        }

        [Theory]
        [MemberData(nameof(Paths))]
        public void Equals_the_reference_on_random_matrices(KernelPath path)
        {
            foreach (var (rows, columns) in new[] { (1, 1), (3, 63), (5, 64), (7, 65), (17, 200), (64, 1024), (3, 8192), (259, 96) })
            {
                var random = new Random(rows * 7919 + columns);
                var m = TestMatrices.Matrix(rows, columns, (_, _) => random.Next(3) - 1);
                var q = Enumerable.Range(0, columns).Select(_ => (sbyte)random.Next(-127, 128)).ToArray();
                Assert.Equal(Reference(m, q), Packed(path, new PackedTernaryWeights(m), q));
            }
        }

        [Theory]
        [MemberData(nameof(Paths))]
        public void Extreme_sums_are_exact(KernelPath path)
        {
            const int columns = 8192;
            var m = TestMatrices.Matrix(2, columns, (n, _) => n == 0 ? 1 : -1);
            var w = new PackedTernaryWeights(m);
            foreach (sbyte v in new sbyte[] { 127, -127, -128 })
            {
                var q = Enumerable.Repeat(v, columns).ToArray();
                Assert.Equal(new[] { v * columns, -v * columns }, Packed(path, w, q));
            }
        }

        [Theory]
        [MemberData(nameof(Paths))]
        public void A_row_range_writes_only_its_rows(KernelPath path)
        {
            // 150 rows: three blocks of 64, the last one partial; the range starts and ends inside blocks.
            var random = new Random(4);
            var m = TestMatrices.Matrix(150, 100, (_, _) => random.Next(3) - 1);
            var w = new PackedTernaryWeights(m);
            var q = new sbyte[w.PaddedColumns];
            for (int k = 0; k < 100; k++) q[k] = (sbyte)random.Next(-127, 128);
            var acc = Enumerable.Repeat(int.MinValue, 150).ToArray();
            PackedTernaryKernel.Product(path, w, q, new byte[PairSumTables.Length(w.Groups)], acc, 60, 70);
            var expected = Reference(m, q.Take(100).ToArray());
            for (int n = 0; n < 150; n++)
            {
                Assert.Equal(n >= 60 && n < 130 ? expected[n] : int.MinValue, acc[n]);
            }
        }

        [Fact]
        public void Batched_rows_equal_one_vector_at_a_time()
        {
            var random = new Random(9);
            foreach (var (rows, columns, batch) in new[] { (7, 65, 1), (33, 200, 5), (64, 1024, 16), (10, 64, 21), (150, 2100, 3) })
            {
                var m = TestMatrices.Matrix(rows, columns, (_, _) => random.Next(3) - 1);
                var w = new PackedTernaryWeights(m);
                // A stride wider than this matrix needs, as a batch sized for a model's widest layer has.
                int stride = PairSumTables.Length(w.Groups) + 128;
                var tables = new byte[batch * stride];
                var expected = new int[batch * rows];
                for (int v = 0; v < batch; v++)
                {
                    var q = new sbyte[w.PaddedColumns];
                    for (int k = 0; k < columns; k++) q[k] = (sbyte)random.Next(-128, 128);
                    PairSumTables.Build(q, w.Groups, tables.AsSpan(v * stride, stride));
                    Reference(m, q.Take(columns).ToArray()).CopyTo(expected, v * rows);
                }
                var acc = new int[batch * rows];
                // In two row ranges, as the threads split them (at a block boundary when there is one).
                int split = rows > 64 ? 64 : rows / 2;
                PackedTernaryKernel.BatchRows(w, tables, stride, batch, acc, 0, split);
                PackedTernaryKernel.BatchRows(w, tables, stride, batch, acc, split, rows - split);
                Assert.Equal(expected, acc);
            }
        }

        [Fact]
        public void Vector_tables_equal_the_scalar_tables()
        {
            var random = new Random(12);
            foreach (int groups in new[] { 2, 4, 18, 512 })
            {
                var q = new sbyte[4 * groups];
                for (int k = 0; k < q.Length; k++) q[k] = k < 16 ? (sbyte)(k % 2 == 0 ? -128 : 127) : (sbyte)random.Next(-128, 128);
                var expected = new byte[PairSumTables.Length(groups)];
                var actual = new byte[PairSumTables.Length(groups)];
                PairSumTables.BuildScalar(q, groups, expected);
                PairSumTables.Build(q, groups, actual);
                Assert.Equal(expected, actual);
            }
        }

        [Fact]
        public void Tables_hold_the_partial_sums_of_each_pair()
        {
            // Hand-computed: columns 0 and 1 hold q = 5 and -3, so u = 133 and 125, nibbles l = 5, 13 and
            // h = 8, 7. Entry p = (t0 + 1) + 3 (t1 + 1) is 30 + t0 a + t1 b.
            var q = new sbyte[8];
            q[0] = 5;
            q[1] = -3;
            var tables = new byte[PairSumTables.Length(2)];
            PairSumTables.BuildScalar(q, 2, tables);
            Assert.Equal(new byte[] { 30 - 5 - 13, 30 - 13, 30 + 5 - 13, 30 - 5, 30, 30 + 5, 30 - 5 + 13, 30 + 13, 30 + 5 + 13 }, tables.Take(9).ToArray());
            Assert.Equal(new byte[] { 30 - 8 - 7, 30 - 7, 30 + 8 - 7, 30 - 8, 30, 30 + 8, 30 - 8 + 7, 30 + 7, 30 + 8 + 7 }, tables.Skip(16).Take(9).ToArray());
        }

        [Fact]
        public void Pair_codes_follow_the_documented_layout()
        {
            // Row 0: +1 -1 0 +1 | -1 (then padding). Low pair (+1, -1) = 2 + 3 * 0 = 2, high pair (0, +1) = 1 + 3 * 2 = 7.
            // Row 1: all zero. Rows 2..63 and the columns past 4 are padding: pairs (0, 0) = 4.
            var m = TestMatrices.Matrix(2, 5, (n, k) => n == 1 ? 0 : new[] { 1, -1, 0, 1, -1 }[k]);
            var codes = PairCodes.Of(m);
            Assert.Equal(64 * 2, codes.Length); // one block of 64 rows, 2 groups (rounded up to even)
            Assert.Equal(0x72, codes[0]);
            Assert.Equal(0x44, codes[1]);
            Assert.Equal(0x43, codes[64]); // group 1 of row 0: (-1, 0) = 0 + 3 * 1 = 3; high pair padding
            Assert.All(codes.Skip(2).Take(62), c => Assert.Equal(0x44, c));
        }

        [Fact]
        public void Rejects_a_code_that_is_not_two_pairs()
        {
            var codes = new byte[64 * 2];
            Array.Fill(codes, (byte)0x44);
            codes[70] = 0x49; // low nibble 9: no pair has that code
            var e = Assert.Throws<ArgumentException>(() => new PackedTernaryWeights(64, 8, 1f, codes));
            Assert.Contains("row 6, group 1", e.Message);
        }

        [Fact]
        public void Packs_two_bits_per_weight()
        {
            var w = new PackedTernaryWeights(TestMatrices.Matrix(128, 640, (_, _) => 1));
            Assert.Equal(128L * 640 * 2 / 8, w.WeightBytes);
        }
    }
}
