using System;
using System.Linq;
using MatMulFree.Runtime.Kernels;
using Xunit;

namespace MatMulFree.Tests
{
    /// <summary>Every path of the packed 2-bit kernel this CPU has, against the one-weight-at-a-time reference.</summary>
    public sealed class PackedKernelTests
    {
        public static TheoryData<PackedKernelPath> Paths()
        {
            var data = new TheoryData<PackedKernelPath>();
            foreach (PackedKernelPath p in Enum.GetValues(typeof(PackedKernelPath)))
            {
                if (PackedTernaryKernel.IsSupported(p)) data.Add(p);
            }
            return data;
        }

        private static int[] Packed(PackedKernelPath path, PackedTernaryWeights w, sbyte[] q)
        {
            var padded = new sbyte[w.PaddedColumns];
            q.CopyTo(padded, 0);
            var acc = new int[w.Rows];
            PackedTernaryKernel.Product(path, w, padded, new byte[w.PaddedColumns], acc, 0, w.Rows);
            return acc;
        }

        private static int[] Reference(MatMulFree.Compiler.Model.TernaryMatrix m, sbyte[] q)
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
        public void Equals_the_reference_on_random_matrices(PackedKernelPath path)
        {
            foreach (var (rows, columns) in new[] { (1, 1), (3, 63), (5, 64), (7, 65), (17, 200), (64, 1024), (3, 8192), (259, 96) })
            {
                var random = new Random(rows * 7919 + columns);
                var m = TernaryKernelTests.Matrix(rows, columns, (_, _) => random.Next(3) - 1);
                var q = Enumerable.Range(0, columns).Select(_ => (sbyte)random.Next(-127, 128)).ToArray();
                Assert.Equal(Reference(m, q), Packed(path, new PackedTernaryWeights(m), q));
            }
        }

        [Theory]
        [MemberData(nameof(Paths))]
        public void Extreme_sums_are_exact(PackedKernelPath path)
        {
            const int columns = 8192;
            var m = TernaryKernelTests.Matrix(2, columns, (n, _) => n == 0 ? 1 : -1);
            var w = new PackedTernaryWeights(m);
            foreach (sbyte v in new sbyte[] { 127, -127, -128 })
            {
                var q = Enumerable.Repeat(v, columns).ToArray();
                Assert.Equal(new[] { v * columns, -v * columns }, Packed(path, w, q));
            }
        }

        [Theory]
        [MemberData(nameof(Paths))]
        public void A_row_range_writes_only_its_rows(PackedKernelPath path)
        {
            var random = new Random(4);
            var m = TernaryKernelTests.Matrix(40, 100, (_, _) => random.Next(3) - 1);
            var w = new PackedTernaryWeights(m);
            var q = new sbyte[w.PaddedColumns];
            for (int k = 0; k < 100; k++) q[k] = (sbyte)random.Next(-127, 128);
            var acc = Enumerable.Repeat(int.MinValue, 40).ToArray();
            PackedTernaryKernel.Product(path, w, q, new byte[w.PaddedColumns], acc, 10, 20);
            var expected = Reference(m, q.Take(100).ToArray());
            for (int n = 0; n < 40; n++)
            {
                Assert.Equal(n >= 10 && n < 30 ? expected[n] : int.MinValue, acc[n]);
            }
        }

        [Fact]
        public void Batched_rows_equal_one_vector_at_a_time()
        {
            var random = new Random(9);
            foreach (var (rows, columns, batch) in new[] { (7, 65, 1), (33, 200, 5), (64, 1024, 16), (10, 64, 21) })
            {
                var m = TernaryKernelTests.Matrix(rows, columns, (_, _) => random.Next(3) - 1);
                var w = new PackedTernaryWeights(m);
                var biased = new byte[batch * w.PaddedColumns];
                var expected = new int[batch * rows];
                for (int v = 0; v < batch; v++)
                {
                    var q = Enumerable.Range(0, columns).Select(_ => (sbyte)random.Next(-127, 128)).ToArray();
                    PackedTernaryKernel.Bias(q, biased.AsSpan(v * w.PaddedColumns, columns));
                    for (int k = columns; k < w.PaddedColumns; k++) biased[v * w.PaddedColumns + k] = 0x80;
                    Reference(m, q).CopyTo(expected, v * rows);
                }
                var acc = new int[batch * rows];
                PackedTernaryKernel.BatchRows(w, biased, batch, acc, 0, rows);
                Assert.Equal(expected, acc);
            }
        }

        [Fact]
        public void Subset_sum_batch_kernel_equals_one_vector_at_a_time()
        {
            if (!SubsetSumBatchKernel.IsSupported)
            {
                return; // needs AVX2 (every x64 CPU CI runs on has it; CI also runs this with AVX-512 off)
            }
            var random = new Random(11);
            foreach (var (rows, columns, batch, extreme) in new[] { (7, 65, 1, false), (33, 200, 5, false), (64, 1024, 16, false), (19, 5632, 16, true), (3, 64, 16, true) })
            {
                var m = TernaryKernelTests.Matrix(rows, columns, (n, _) => extreme ? (n % 3) - 1 : random.Next(3) - 1);
                var w = new PackedTernaryWeights(m);
                var biased = new byte[batch * w.PaddedColumns];
                var expected = new int[batch * rows];
                for (int v = 0; v < batch; v++)
                {
                    // Extreme cases: every activation at the end of the int8 range, the int16 sums' worst case.
                    var q = Enumerable.Range(0, columns).Select(_ => extreme ? (sbyte)(v % 2 == 0 ? -128 : 127) : (sbyte)random.Next(-128, 128)).ToArray();
                    PackedTernaryKernel.Bias(q, biased.AsSpan(v * w.PaddedColumns, columns));
                    for (int k = columns; k < w.PaddedColumns; k++) biased[v * w.PaddedColumns + k] = 0x80;
                    Reference(m, q).CopyTo(expected, v * rows);
                }
                var tables = new short[SubsetSumBatchKernel.TableLength(w.Blocks)];
                SubsetSumBatchKernel.BuildTables(biased, w.PaddedColumns, batch, tables);
                var acc = new int[batch * rows];
                // In two row ranges, as the threads split them.
                SubsetSumBatchKernel.Rows(w, tables, batch, acc, 0, rows / 2);
                SubsetSumBatchKernel.Rows(w, tables, batch, acc, rows / 2, rows - rows / 2);
                Assert.Equal(expected, acc);
            }
        }

        [Fact]
        public void Packs_two_bits_per_weight()
        {
            var w = new PackedTernaryWeights(TernaryKernelTests.Matrix(100, 640, (_, _) => 1));
            Assert.Equal(100L * 640 * 2 / 8, w.WeightBytes);
        }
    }
}
