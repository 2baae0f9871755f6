using System;
using System.Linq;
using MatMulFree.Runtime.Kernels;
using Xunit;

namespace MatMulFree.Tests
{
    /// <summary>The lookup-table kernel against the one-weight-at-a-time reference.</summary>
    public sealed class LutKernelTests
    {
        [Fact]
        public void Equals_the_reference_or_says_the_cpu_lacks_avx512()
        {
            foreach (var (rows, columns) in new[] { (1, 1), (3, 5), (64, 64), (65, 130), (200, 1023), (7, 8192), (259, 96), (1024, 256) })
            {
                var random = new Random(rows * 131 + columns);
                var m = TernaryKernelTests.Matrix(rows, columns, (_, _) => random.Next(3) - 1);
                var w = new LutTernaryWeights(m);
                var q = new sbyte[Math.Max(w.PaddedColumns, TernaryKernel.PaddedColumns(columns))];
                for (int k = 0; k < columns; k++) q[k] = (sbyte)random.Next(-128, 128);
                var reference = new int[rows];
                TernaryKernel.ScalarProduct(new TernaryWeights(m), q, reference);
                var acc = new int[rows];
                if (!LutTernaryKernel.IsSupported)
                {
                    Assert.Throws<PlatformNotSupportedException>(() => LutTernaryKernel.Product(w, q, new byte[w.Groups * 32], acc));
                    return;
                }
                LutTernaryKernel.Product(w, q, new byte[w.Groups * 32], acc);
                Assert.Equal(reference, acc);
            }
        }

        [Fact]
        public void Extreme_sums_do_not_overflow_the_16_bit_lanes()
        {
            if (!LutTernaryKernel.IsSupported) return;
            const int columns = 8192;
            var m = TernaryKernelTests.Matrix(130, columns, (n, _) => n % 2 == 0 ? 1 : -1);
            var w = new LutTernaryWeights(m);
            foreach (sbyte v in new sbyte[] { 127, -128 })
            {
                var q = Enumerable.Repeat(v, columns).ToArray();
                var acc = new int[130];
                LutTernaryKernel.Product(w, q, new byte[w.Groups * 32], acc);
                for (int n = 0; n < 130; n++) Assert.Equal(n % 2 == 0 ? v * columns : -v * columns, acc[n]);
            }
        }
    }
}
