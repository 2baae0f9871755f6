using System;

namespace MatMulFree.Runtime.Sampling
{
    /// <summary>How the next token is chosen from the logits.</summary>
    public sealed class SamplingOptions
    {
        /// <summary>0 means greedy (arg max). The reference demo uses 0.6.</summary>
        public float Temperature { get; init; } = 0.6f;

        /// <summary>Keep only the K most likely tokens; 0 keeps all.</summary>
        public int TopK { get; init; }

        /// <summary>Keep the smallest set of most likely tokens whose probability reaches P; 1 keeps all.
        /// The reference demo uses 0.4.</summary>
        public float TopP { get; init; } = 1f;

        /// <summary>Logits of recently seen tokens are divided by this when positive and
        /// multiplied when negative (CTRL); 1 turns it off.</summary>
        public float RepetitionPenalty { get; init; } = 1f;

        /// <summary>How many recent tokens the penalty looks at (fixed, so memory stays constant).</summary>
        public int RepetitionWindow { get; init; } = 64;

        public ulong Seed { get; init; }

        public static SamplingOptions Greedy => new SamplingOptions { Temperature = 0f };

        /// <summary>Throws <see cref="ArgumentException"/> naming the first bad option.</summary>
        public void Validate()
        {
            if (!(Temperature >= 0f) || float.IsInfinity(Temperature))
            {
                throw new ArgumentException($"temperature must be a finite number >= 0, got {Temperature}");
            }
            if (TopK < 0)
            {
                throw new ArgumentException($"top-k must be >= 0 (0 = off), got {TopK}");
            }
            if (!(TopP > 0f && TopP <= 1f))
            {
                throw new ArgumentException($"top-p must be in (0, 1], got {TopP}");
            }
            if (!(RepetitionPenalty > 0f) || float.IsInfinity(RepetitionPenalty))
            {
                throw new ArgumentException($"repetition penalty must be a finite number > 0, got {RepetitionPenalty}");
            }
            if (RepetitionWindow < 0 || RepetitionWindow > 1 << 20)
            {
                throw new ArgumentException($"repetition window must be in [0, {1 << 20}], got {RepetitionWindow}");
            }
        }
    }
}
