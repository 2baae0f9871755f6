using System;
using MatMulFree.Model;
using Xunit;

namespace MatMulFree.Tests.Model
{
    /// <summary>
    /// The byte-at-a-time forms of two per-weight definitions a model load runs over every
    /// weight (341M for the 370M model): the first invalid trit code, and the pair codes of the
    /// packed kernel. Each is checked against its definition written element by element here.
    /// </summary>
    public sealed class TernaryMatrixTests
    {
        private static long FirstInvalidByDefinition(byte[] trits, long elements)
        {
            for (long j = 0; j < trits.Length * 4L; j++)
            {
                int code = (trits[j / 4] >> (int)(2 * (j % 4))) & 3;
                if (j < elements ? code == 3 : code != 0) return j;
            }
            return -1;
        }

        [Fact]
        public void First_invalid_code_matches_its_definition()
        {
            var random = new Random(21);
            for (int trial = 0; trial < 3000; trial++)
            {
                long elements = random.Next(0, 200);
                var trits = new byte[TernaryMatrix.PackedLength(elements)];
                for (long j = 0; j < elements; j++)
                {
                    trits[j / 4] |= (byte)(random.Next(3) << (int)(2 * (j % 4)));
                }
                int faults = random.Next(3);
                for (int f = 0; f < faults && trits.Length > 0; f++)
                {
                    // A code 3 anywhere, or a stray bit in the padding after the last element.
                    int at = random.Next(trits.Length);
                    trits[at] |= (byte)(random.Next(2) == 0 ? 3 << 2 * random.Next(4) : 1 << random.Next(8));
                }
                Assert.Equal(FirstInvalidByDefinition(trits, elements), TernaryMatrix.FirstInvalidCode(trits, elements));
            }
        }

        [Theory]
        [InlineData(1, 4)]
        [InlineData(3, 8)]
        [InlineData(70, 64)]
        [InlineData(65, 12)]
        [InlineData(5, 7)]
        [InlineData(66, 30)]
        public void Pair_codes_match_their_definition(int rows, int columns)
        {
            var random = new Random(rows * 31 + columns);
            var m = TestMatrices.Matrix(rows, columns, (_, _) => random.Next(3) - 1);
            var codes = PairCodes.Of(m);
            Assert.Equal(PairCodes.Length(rows, columns), codes.LongLength);
            int blockRows = PairCodes.BlockRows, groups = PairCodes.Groups(columns);
            for (long i = 0; i < codes.LongLength; i++)
            {
                // [row block][group][row in block]; weights past the matrix are zeros.
                long block = i / (groups * blockRows);
                int g = (int)(i / blockRows % groups), row = (int)(block * blockRows + i % blockRows);
                int W(int k) => row < rows && k < columns ? m[row, k] : 0;
                int expected = (W(4 * g) + 1) + 3 * (W(4 * g + 1) + 1) + 16 * ((W(4 * g + 2) + 1) + 3 * (W(4 * g + 3) + 1));
                Assert.True(expected == codes[i], $"byte {i} (row {row}, group {g}): {codes[i]:X2}, expected {expected:X2}");
            }
        }
    }
}
