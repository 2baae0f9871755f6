using System;
using MatMulFree.Compiler.Numerics;

namespace MatMulFree.Runtime.Sampling
{
    /// <summary>
    /// Picks the next token: repetition penalty, then greedy arg max or
    /// temperature sampling restricted by top-k and top-p. Buffers are allocated
    /// once for the vocabulary, so sampling allocates nothing per token.
    /// </summary>
    public sealed class Sampler
    {
        private readonly SamplingOptions _options;
        private readonly Xoshiro256StarStar _random;
        private readonly int[] _order;
        private readonly float[] _weights;
        private readonly float[] _keys;

        public Sampler(SamplingOptions options, int vocab)
        {
            options.Validate();
            _options = options;
            _random = new Xoshiro256StarStar(options.Seed);
            _order = new int[vocab];
            _weights = new float[vocab];
            _keys = new float[vocab];
        }

        public SamplingOptions Options => _options;

        /// <summary>Chooses a token id. <paramref name="logits"/> is modified (penalty applied).</summary>
        public int Sample(Span<float> logits, ReadOnlySpan<int> recent)
        {
            ApplyRepetitionPenalty(logits, recent, _options.RepetitionPenalty);
            if (_options.Temperature == 0f)
            {
                return ArgMax(logits);
            }

            // Candidates sorted by logit, highest first; ties keep the lower id first.
            int n = logits.Length;
            for (int k = 0; k < n; k++)
            {
                _order[k] = k;
                _keys[k] = -logits[k];
            }
            Array.Sort(_keys, _order, 0, n);
            SortTiesById(n);
            int kept = _options.TopK > 0 ? Math.Min(_options.TopK, n) : n;

            float max = logits[_order[0]];
            float total = 0f;
            for (int k = 0; k < kept; k++)
            {
                _weights[k] = PortableMath.Exp((logits[_order[k]] - max) / _options.Temperature);
                total += _weights[k];
            }
            if (_options.TopP < 1f)
            {
                float cumulative = 0f;
                float target = _options.TopP * total;
                for (int k = 0; k < kept; k++)
                {
                    cumulative += _weights[k];
                    if (cumulative >= target)
                    {
                        kept = k + 1;
                        total = cumulative;
                        break;
                    }
                }
            }
            double u = _random.NextDouble() * total;
            double running = 0;
            for (int k = 0; k < kept; k++)
            {
                running += _weights[k];
                if (u < running)
                {
                    return _order[k];
                }
            }
            return _order[kept - 1];
        }

        /// <summary>The first id with the largest logit.</summary>
        public static int ArgMax(ReadOnlySpan<float> logits)
        {
            int best = 0;
            for (int k = 1; k < logits.Length; k++)
            {
                if (logits[k] > logits[best])
                {
                    best = k;
                }
            }
            return best;
        }

        /// <summary>CTRL's penalty (Keskar et al., 2019), once per distinct recent token.</summary>
        public static void ApplyRepetitionPenalty(Span<float> logits, ReadOnlySpan<int> recent, float penalty)
        {
            if (penalty == 1f)
            {
                return;
            }
            for (int k = 0; k < recent.Length; k++)
            {
                int id = recent[k];
                if ((uint)id >= (uint)logits.Length || recent.Slice(0, k).Contains(id))
                {
                    continue;
                }
                logits[id] = logits[id] > 0f ? logits[id] / penalty : logits[id] * penalty;
            }
        }

        // Array.Sort is unstable: equal logits are put back in id order so that a
        // seeded run does not depend on the sort's internals.
        private void SortTiesById(int n)
        {
            int start = 0;
            for (int k = 1; k <= n; k++)
            {
                if (k == n || _keys[k] != _keys[start])
                {
                    if (k - start > 1)
                    {
                        Array.Sort(_order, start, k - start);
                    }
                    start = k;
                }
            }
        }
    }
}
