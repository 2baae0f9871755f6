using System;
using MatMulFree.Model.Numerics;

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
        private readonly int[] _candidates;

        public Sampler(SamplingOptions options, int vocab)
        {
            options.Validate();
            _options = options;
            _random = new Xoshiro256StarStar(options.Seed);
            _order = new int[vocab];
            _weights = new float[vocab];
            _candidates = new int[vocab];
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

            // Softmax weights at this temperature, in id order; no sort of the whole vocabulary
            // (32,000 ids: a full sort cost about 2 ms per token, more than the model's step).
            int n = logits.Length;
            float max = logits[ArgMax(logits)];
            float total = 0f;
            for (int k = 0; k < n; k++)
            {
                _weights[k] = PortableMath.Exp((logits[k] - max) / _options.Temperature);
                total += _weights[k];
            }
            bool topK = _options.TopK > 0 && _options.TopK < n;
            if (!topK && _options.TopP >= 1f)
            {
                return Draw(_weights, null, n, total);
            }

            // Truncation: candidates best first (higher logit, then lower id), taken from a heap
            // only as far as top-k and top-p need them.
            int heap = n;
            for (int k = 0; k < n; k++)
            {
                _order[k] = k;
            }
            for (int k = n / 2 - 1; k >= 0; k--)
            {
                SiftDown(logits, k, heap);
            }
            int limit = topK ? _options.TopK : n;
            int kept = 0;
            float cumulative = 0f;
            float target = _options.TopP * total;
            while (kept < limit)
            {
                int best = _order[0];
                _order[0] = _order[--heap];
                SiftDown(logits, 0, heap);
                _candidates[kept++] = best;
                cumulative += _weights[best];
                if (!topK && cumulative >= target)
                {
                    break; // top-p alone: the nucleus is complete
                }
            }
            if (topK && _options.TopP < 1f)
            {
                // Top-p within the top k: the nucleus of their mass.
                float kTarget = _options.TopP * cumulative;
                float running = 0f;
                for (int k = 0; k < kept; k++)
                {
                    running += _weights[_candidates[k]];
                    if (running >= kTarget)
                    {
                        kept = k + 1;
                        cumulative = running;
                        break;
                    }
                }
            }
            return Draw(_weights, _candidates, kept, cumulative);
        }

        /// <summary>A draw proportional to the weights of the first <paramref name="count"/>
        /// candidates (ids, or the ids held in <paramref name="candidates"/>).</summary>
        private int Draw(float[] weights, int[]? candidates, int count, float total)
        {
            double u = _random.NextDouble() * total;
            double running = 0;
            for (int k = 0; k < count; k++)
            {
                int id = candidates == null ? k : candidates[k];
                running += weights[id];
                if (u < running)
                {
                    return id;
                }
            }
            return candidates == null ? count - 1 : candidates[count - 1];
        }

        /// <summary>Max-heap of ids in _order by (logit descending, id ascending).</summary>
        private void SiftDown(ReadOnlySpan<float> logits, int at, int size)
        {
            while (true)
            {
                int left = 2 * at + 1;
                if (left >= size)
                {
                    return;
                }
                int child = left + 1 < size && Before(logits, _order[left + 1], _order[left]) ? left + 1 : left;
                if (!Before(logits, _order[child], _order[at]))
                {
                    return;
                }
                (_order[at], _order[child]) = (_order[child], _order[at]);
                at = child;
            }
        }

        private static bool Before(ReadOnlySpan<float> logits, int a, int b) =>
            logits[a] > logits[b] || (logits[a] == logits[b] && a < b);

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
    }
}
