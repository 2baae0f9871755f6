using System;
using MatMulFree.Runtime.Sampling;
using Xunit;

namespace MatMulFree.Tests.Runtime
{
    public sealed class SamplerTests
    {
        [Fact]
        public void Greedy_takes_the_first_largest_logit()
        {
            var sampler = new Sampler(SamplingOptions.Greedy, 4);
            Assert.Equal(2, sampler.Sample(new[] { 0f, 1f, 3f, 3f }, ReadOnlySpan<int>.Empty));
        }

        [Fact]
        public void Top_k_one_and_tiny_top_p_are_greedy()
        {
            var random = new Random(5);
            for (int n = 0; n < 50; n++)
            {
                var logits = new float[50];
                for (int k = 0; k < logits.Length; k++) logits[k] = (float)random.NextDouble() * 10;
                int best = Sampler.ArgMax(logits);
                var topK = new Sampler(new SamplingOptions { Temperature = 1f, TopK = 1, Seed = (ulong)n }, 50);
                var topP = new Sampler(new SamplingOptions { Temperature = 1f, TopP = 1e-6f, Seed = (ulong)n }, 50);
                Assert.Equal(best, topK.Sample((float[])logits.Clone(), ReadOnlySpan<int>.Empty));
                Assert.Equal(best, topP.Sample((float[])logits.Clone(), ReadOnlySpan<int>.Empty));
            }
        }

        [Fact]
        public void Temperature_one_samples_the_softmax_distribution()
        {
            // logits [0, ln 3]: p = [1/4, 3/4].
            var sampler = new Sampler(new SamplingOptions { Temperature = 1f, Seed = 42 }, 2);
            int ones = 0;
            const int draws = 20000;
            for (int n = 0; n < draws; n++)
            {
                ones += sampler.Sample(new[] { 0f, MathF.Log(3f) }, ReadOnlySpan<int>.Empty);
            }
            Assert.InRange(ones / (double)draws, 0.74, 0.76); // 0.75 +- about 3 standard deviations (0.003)
        }

        [Fact]
        public void Top_p_keeps_the_smallest_nucleus()
        {
            // p = [0.5, 0.3, 0.2] in logit order: top-p 0.7 keeps the first two only.
            var logits = new[] { MathF.Log(0.5f), MathF.Log(0.3f), MathF.Log(0.2f) };
            var sampler = new Sampler(new SamplingOptions { Temperature = 1f, TopP = 0.7f, Seed = 7 }, 3);
            var seen = new int[3];
            for (int n = 0; n < 5000; n++) seen[sampler.Sample((float[])logits.Clone(), ReadOnlySpan<int>.Empty)]++;
            Assert.Equal(0, seen[2]);
            Assert.InRange(seen[0] / 5000.0, 0.58, 0.67); // 0.5 / 0.8 = 0.625
        }

        [Fact]
        public void Same_seed_same_tokens()
        {
            var logits = new float[100];
            for (int k = 0; k < 100; k++) logits[k] = MathF.Sin(k);
            var a = new Sampler(new SamplingOptions { Temperature = 0.8f, Seed = 9 }, 100);
            var b = new Sampler(new SamplingOptions { Temperature = 0.8f, Seed = 9 }, 100);
            for (int n = 0; n < 100; n++)
            {
                Assert.Equal(a.Sample((float[])logits.Clone(), ReadOnlySpan<int>.Empty), b.Sample((float[])logits.Clone(), ReadOnlySpan<int>.Empty));
            }
        }

        [Fact]
        public void Repetition_penalty_divides_positive_and_multiplies_negative_logits_once()
        {
            var logits = new[] { 2f, -2f, 2f };
            Sampler.ApplyRepetitionPenalty(logits, new[] { 0, 1, 0, 1 }, 2f);
            Assert.Equal(new[] { 1f, -4f, 2f }, logits);
        }

        [Theory]
        [InlineData(-1f, 0, 1f, 1f)]
        [InlineData(float.NaN, 0, 1f, 1f)]
        [InlineData(1f, -1, 1f, 1f)]
        [InlineData(1f, 0, 0f, 1f)]
        [InlineData(1f, 0, 1.5f, 1f)]
        [InlineData(1f, 0, 1f, 0f)]
        public void Rejects_bad_options(float temperature, int topK, float topP, float penalty)
        {
            var options = new SamplingOptions { Temperature = temperature, TopK = topK, TopP = topP, RepetitionPenalty = penalty };
            Assert.Throws<ArgumentException>(() => new Sampler(options, 10));
        }

        [Fact]
        public void Xoshiro_matches_an_independent_implementation()
        {
            // Expected values from a separate Python implementation of SplitMix64 and
            // xoshiro256** written from Vigna's reference C (seed 0; SplitMix64's first
            // output there is the well-known 0xE220A8397B1DCDAF).
            var r = new Xoshiro256StarStar(0);
            Assert.Equal(11091344671253066420UL, r.NextUInt64());
            Assert.Equal(13793997310169335082UL, r.NextUInt64());
            Assert.Equal(1900383378846508768UL, r.NextUInt64());
        }
    }
}
