using System;
using System.Linq;
using MatMulFree.Model;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Kernels;
using Xunit;

namespace MatMulFree.Tests.Runtime
{
    /// <summary>Every path of the token-parallel product this CPU has, against the one-token reference
    /// (<see cref="TernaryKernel.ScalarProduct"/>), and its tables against hand-computed values.</summary>
    public sealed class TokenParallelKernelTests
    {
        public static TheoryData<KernelPath> Paths() => PackedKernelTests.Paths();

        /// <summary>Each of <paramref name="q"/>'s vectors through the one-byte-per-weight scalar kernel: acc[t * rows + n].</summary>
        private static int[] Reference(TernaryMatrix m, sbyte[][] q)
        {
            var w = new TernaryWeights(m);
            var expected = new int[q.Length * m.Rows];
            for (int t = 0; t < q.Length; t++)
            {
                var padded = new sbyte[w.Stride];
                q[t].CopyTo(padded, 0);
                TernaryKernel.ScalarProduct(w, padded, expected.AsSpan(t * m.Rows, m.Rows));
            }
            return expected;
        }

        /// <summary>The vectors in rows of a quantized batch buffer, at a stride wider than the matrix
        /// (as a batch sized for a model's widest layer has), the rest filled with noise the product must not read.</summary>
        private static (sbyte[] Rows, int Stride) Batch(sbyte[][] q, int columns)
        {
            int stride = columns + 37;
            var rows = Enumerable.Repeat((sbyte)99, q.Length * stride).ToArray();
            for (int t = 0; t < q.Length; t++) q[t].CopyTo(rows, t * stride);
            return (rows, stride);
        }

        private static int[] TokenParallel(KernelPath path, TernaryMatrix m, sbyte[][] q, int start, int count, int fill = 0)
        {
            var w = new PackedTernaryWeights(m);
            var (rows, stride) = Batch(q, m.Columns);
            var tables = new AlignedBuffer<short>(PairVectorTables.Length(w.Groups));
            tables.Span.Fill(short.MinValue);
            PairVectorTables.Build(rows, stride, q.Length, m.Columns, w.Groups, tables.Span);
            var acc = Enumerable.Repeat(fill, q.Length * m.Rows).ToArray();
            TokenParallelKernel.Product(path, w, tables.Span, q.Length, acc, start, count);
            return acc;
        }

        private static sbyte[][] Vectors(Random random, int batch, int columns) =>
            Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, columns).Select(_ => (sbyte)random.Next(-128, 128)).ToArray()).ToArray();

        [Theory]
        [MemberData(nameof(Paths))]
        public void Equals_the_one_token_reference_on_random_shapes_and_batch_sizes(KernelPath path)
        {
            var shapes = new[] { (1, 1), (3, 63), (5, 64), (7, 65), (17, 200), (64, 1024), (3, 3000), (259, 96), (130, 130) };
            int s = 0;
            foreach (var (rows, columns) in shapes)
            {
                // Batch sizes 1..32 across the shapes (16 and 32 lanes), and the full 16 and 32 on each.
                foreach (int batch in new[] { 1 + s++ % 32, 1 + (s * 7) % 32, 16, 32 })
                {
                    var random = new Random(rows * 7919 + columns * 31 + batch);
                    var m = TestMatrices.Matrix(rows, columns, (_, _) => random.Next(3) - 1);
                    var q = Vectors(random, batch, columns);
                    Assert.Equal(Reference(m, q), TokenParallel(path, m, q, 0, rows));
                }
            }
        }

        [Theory]
        [MemberData(nameof(Paths))]
        public void Extreme_sums_are_exact(KernelPath path)
        {
            // 8192 columns of the same sign: 32 chunks of int16 sums, each at its bound, widened into int32.
            const int columns = 8192;
            var m = TestMatrices.Matrix(3, columns, (n, _) => n == 0 ? 1 : n == 1 ? -1 : 0);
            foreach (sbyte v in new sbyte[] { 127, -127, -128 })
            {
                var q = Enumerable.Range(0, 32).Select(t => Enumerable.Repeat(t % 2 == 0 ? v : (sbyte)-v, columns).Select(x => (sbyte)x).ToArray()).ToArray();
                if (v == -128)
                {
                    for (int t = 1; t < 32; t += 2) q[t] = Enumerable.Repeat((sbyte)127, columns).ToArray();
                }
                foreach (int batch in new[] { 16, 32 })
                {
                    var some = q.Take(batch).ToArray();
                    Assert.Equal(Reference(m, some), TokenParallel(path, m, some, 0, 3));
                }
            }
            Assert.Equal(-128 * columns, Reference(m, new[] { Enumerable.Repeat((sbyte)-128, columns).ToArray() })[0]);
        }

        [Theory]
        [MemberData(nameof(Paths))]
        public void A_row_range_writes_only_its_rows(KernelPath path)
        {
            // 150 rows: three blocks of 64, the last partial; the range starts and ends inside blocks.
            var random = new Random(4);
            var m = TestMatrices.Matrix(150, 100, (_, _) => random.Next(3) - 1);
            var q = Vectors(random, 5, 100);
            var acc = TokenParallel(path, m, q, 60, 70, fill: int.MinValue);
            var expected = Reference(m, q);
            for (int t = 0; t < 5; t++)
            {
                for (int n = 0; n < 150; n++)
                {
                    Assert.Equal(n >= 60 && n < 130 ? expected[t * 150 + n] : int.MinValue, acc[t * 150 + n]);
                }
            }
        }

        [Fact]
        public void Tables_split_by_groups_equal_tables_built_whole()
        {
            var random = new Random(12);
            const int columns = 203;
            int groups = PairCodes.Groups(columns);
            var (rows, stride) = Batch(Vectors(random, 9, columns), columns);
            var whole = new short[PairVectorTables.Length(groups)];
            PairVectorTables.Build(rows, stride, 9, columns, groups, whole);
            var parts = new short[whole.Length];
            PairVectorTables.Build(rows, stride, 9, columns, groups, parts, 0, 17);
            PairVectorTables.Build(rows, stride, 9, columns, groups, parts, 17, groups - 17);
            Assert.Equal(whole, parts);
        }

        [Fact]
        public void Tables_hold_each_ternary_pair_sum_in_each_token_lane()
        {
            // Two tokens, two columns: token 0 has (a, b) = (5, -7), token 1 (-128, 127).
            var q = new sbyte[] { 5, -7, 0, 0, -128, 127, 0, 0 };
            var tables = new short[PairVectorTables.Length(2)];
            PairVectorTables.Build(q, 4, 2, 2, 2, tables);
            int lanes = PairVectorTables.LanesFor(2);
            Assert.Equal(16, lanes);
            // Entry (t0 + 1) + 3 (t1 + 1) of pair 0 is t0 a + t1 b, lanes past the batch 0.
            int[] token0 = { -5 + 7, 7, 5 + 7, -5, 0, 5, -5 - 7, -7, 5 - 7 };
            int[] token1 = { 128 - 127, -127, -128 - 127, 128, 0, -128, 128 + 127, 127, -128 + 127 };
            for (int e = 0; e < 9; e++)
            {
                Assert.Equal(token0[e], tables[e * lanes + 0]);
                Assert.Equal(token1[e], tables[e * lanes + 1]);
                Assert.Equal(0, tables[e * lanes + 2]);
                Assert.Equal(0, tables[e * lanes + lanes - 1]);
            }
            // Pair 1 (columns 2 and 3, past the matrix) is zero.
            Assert.All(tables.Skip(9 * lanes).Take(9 * lanes), v => Assert.Equal(0, v));
        }

        [Fact]
        public void A_batch_outside_1_to_32_is_refused()
        {
            var m = TestMatrices.Matrix(4, 8, (_, _) => 1);
            var w = new PackedTernaryWeights(m);
            var tables = new short[PairVectorTables.Length(w.Groups)];
            Assert.Throws<ArgumentException>(() => TokenParallelKernel.Product(KernelPath.Scalar, w, tables, 33, new int[33 * 4], 0, 4));
            Assert.Throws<ArgumentException>(() => TokenParallelKernel.Product(KernelPath.Scalar, w, tables, 0, new int[4], 0, 4));
            Assert.Throws<ArgumentException>(() => PairVectorTables.Build(new sbyte[33 * 8], 8, 33, 8, w.Groups, tables));
        }

        [Fact]
        public void The_aligned_buffer_starts_on_a_cache_line()
        {
            foreach (int length in new[] { 0, 1, 31, 1000 })
            {
                var buffer = new AlignedBuffer<short>(length);
                Assert.Equal(length, buffer.Span.Length);
                unsafe
                {
                    fixed (short* p = buffer.Span)
                    {
                        Assert.True(length == 0 || ((nint)p & 63) == 0);
                    }
                }
            }
        }
    }
}
