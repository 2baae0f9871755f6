using System;
using MatMulFree.Model;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Kernels;
using Xunit;

namespace MatMulFree.Tests.Runtime
{
    /// <summary>The SIMD ternary product against the scalar reference, and both against hand-computed sums.</summary>
    public sealed class TernaryKernelTests
    {
        private static int[] Run(KernelPath path, TernaryWeights w, sbyte[] q)
        {
            var padded = new sbyte[w.Stride];
            q.CopyTo(padded, 0);
            var acc = new int[w.Rows];
            TernaryKernel.Product(path, w, padded, acc);
            return acc;
        }

        [Theory]
        [InlineData(KernelPath.Scalar)]
        [InlineData(KernelPath.Vector128)]
        public void Hand_computed_two_by_three(KernelPath path)
        {
            // W = [[+1, 0, -1], [-1, -1, +1]], q = [5, -7, 3]:
            // row 0: 5 - 3 = 2; row 1: -5 + 7 + 3 = 5.
            var w = new TernaryWeights(TestMatrices.Matrix(2, 3, (n, k) => new[,] { { 1, 0, -1 }, { -1, -1, 1 } }[n, k]));
            Assert.Equal(new[] { 2, 5 }, Run(path, w, new sbyte[] { 5, -7, 3 }));
        }

        [Theory]
        [InlineData(1, 1)]
        [InlineData(3, 65)]
        [InlineData(17, 129)]
        [InlineData(64, 64)]
        [InlineData(5, 8192)]   // more than 128 SIMD steps per row: the int16 lanes are flushed
        [InlineData(259, 96)]
        public void Simd_equals_scalar_on_random_matrices(int rows, int columns)
        {
            var random = new Random(rows * 10007 + columns);
            var w = new TernaryWeights(TestMatrices.Matrix(rows, columns, (_, _) => random.Next(3) - 1));
            var q = new sbyte[columns];
            for (int k = 0; k < columns; k++) q[k] = (sbyte)random.Next(-127, 128);
            Assert.Equal(Run(KernelPath.Scalar, w, q), Run(KernelPath.Vector128, w, q));
        }

        [Fact]
        public void Extreme_sums_do_not_overflow_the_int16_lanes()
        {
            const int columns = 8192;
            var plus = new TernaryWeights(TestMatrices.Matrix(2, columns, (n, _) => n == 0 ? 1 : -1));
            var q = new sbyte[columns];
            Array.Fill(q, (sbyte)127);
            Assert.Equal(new[] { 127 * columns, -127 * columns }, Run(KernelPath.Vector128, plus, q));
            Array.Fill(q, (sbyte)-127);
            Assert.Equal(new[] { -127 * columns, 127 * columns }, Run(KernelPath.Vector128, plus, q));
        }

        [Fact]
        public void Stale_activations_past_the_columns_contribute_nothing()
        {
            var w = new TernaryWeights(TestMatrices.Matrix(4, 10, (n, k) => 1));
            var q = new sbyte[w.Stride];
            Array.Fill(q, (sbyte)100); // columns 10.. hold leftovers of a wider layer
            for (int k = 0; k < 10; k++) q[k] = 1;
            var acc = new int[4];
            TernaryKernel.Product(KernelPath.Vector128, w, q, acc);
            Assert.Equal(new[] { 10, 10, 10, 10 }, acc);
        }

        [Theory]
        [InlineData("micro-l2-h16")]
        [InlineData("tiny-l2-h64")]
        [InlineData("tiny-l3-h96")]
        public void Models_give_bit_identical_logits_with_every_kernel(string name)
        {
            var scalar = GenericModel.Load(TestData.Model(name), ProductForm.Rows, path: KernelPath.Scalar);
            var simd = GenericModel.Load(TestData.Model(name), ProductForm.Rows);
            var packed = GenericModel.Load(TestData.Model(name), ProductForm.Packed);
            var s3 = packed.CreateState();
            var l3 = new float[packed.Architecture.Vocab];
            var golden = GoldenLogits.Load(name);
            var s1 = scalar.CreateState();
            var s2 = simd.CreateState();
            var l1 = new float[scalar.Architecture.Vocab];
            var l2 = new float[simd.Architecture.Vocab];
            foreach (int token in golden.Tokens)
            {
                scalar.Step(token, s1, l1);
                simd.Step(token, s2, l2);
                packed.Step(token, s3, l3);
                for (int v = 0; v < l1.Length; v++)
                {
                    Assert.Equal(BitConverter.SingleToInt32Bits(l1[v]), BitConverter.SingleToInt32Bits(l2[v]));
                    Assert.Equal(BitConverter.SingleToInt32Bits(l1[v]), BitConverter.SingleToInt32Bits(l3[v]));
                }
            }
        }
    }
}
