using System;
using System.Linq;
using System.Numerics;
using MatMulFree.Runtime.Kernels;
using Xunit;

namespace MatMulFree.Tests.Runtime
{
    /// <summary>The generated batched layers' token vectors: layout, lanes past the batch, and dequantization.</summary>
    public sealed class TokenColumnsTests
    {
        [Theory]
        [InlineData(1, 5)]
        [InlineData(7, 16)]
        [InlineData(17, 33)]
        [InlineData(32, 100)]
        public void Column_k_of_a_group_holds_each_tokens_activation_in_its_lane(int count, int columns)
        {
            var random = new Random(count * 31 + columns);
            int stride = columns + 11;
            var q = Enumerable.Range(0, count * stride).Select(_ => (sbyte)random.Next(-128, 128)).ToArray();
            int width = TokenColumns.Width;
            var x = Enumerable.Repeat((short)12345, TokenColumns.Length(count, columns)).ToArray();
            TokenColumns.Transpose(q, stride, count, columns, x);
            for (int g = 0; g < TokenColumns.Groups(count); g++)
            {
                var vectors = TokenColumns.Group(x, g, columns);
                Assert.Equal(columns, vectors.Length);
                for (int k = 0; k < columns; k++)
                {
                    for (int lane = 0; lane < width; lane++)
                    {
                        int t = g * width + lane;
                        Assert.Equal(t < count ? q[t * stride + k] : 0, vectors[k][lane]);
                    }
                }
            }
        }

        [Fact]
        public void Dequantization_of_a_group_equals_the_dequantizer_token_by_token()
        {
            var random = new Random(5);
            const int rows = 37, count = 20;
            int width = TokenColumns.Width;
            var scales = Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 50 + 0.5)).ToArray();
            var acc = new Vector<short>[rows];
            var y = new float[count * rows];
            var expected = new float[count * rows];
            for (int g = 0; g < TokenColumns.Groups(count); g++)
            {
                var lanes = new short[rows * width];
                for (int i = 0; i < lanes.Length; i++) lanes[i] = (short)random.Next(short.MinValue, short.MaxValue + 1);
                for (int n = 0; n < rows; n++) acc[n] = new Vector<short>(lanes, n * width);
                TokenColumns.Dequantize(acc, g, count, 0.0173f, scales, y, rows);
                for (int t = g * width; t < Math.Min(count, (g + 1) * width); t++)
                {
                    var column = Enumerable.Range(0, rows).Select(n => (int)lanes[n * width + t - g * width]).ToArray();
                    Dequantizer.Apply(column, 0.0173f, scales[t], expected.AsSpan(t * rows, rows));
                }
            }
            Assert.Equal(expected, y);
        }
    }
}
