using System;
using System.Collections.Generic;
using MatMulFree.Runtime.Sampling;

namespace MatMulFree.Runtime.Generation
{
    /// <summary>When generation stops and how tokens are chosen.</summary>
    public sealed class GenerationOptions
    {
        public int MaxTokens { get; init; } = 256;

        /// <summary>Generation ends when the text contains one of these; the stop string itself is not emitted.</summary>
        public IReadOnlyList<string> StopStrings { get; init; } = Array.Empty<string>();

        public bool StopAtEos { get; init; } = true;

        public SamplingOptions Sampling { get; init; } = new SamplingOptions();

        public void Validate()
        {
            if (MaxTokens < 0)
            {
                throw new ArgumentException($"max tokens must be >= 0, got {MaxTokens}");
            }
            foreach (var s in StopStrings)
            {
                if (string.IsNullOrEmpty(s))
                {
                    throw new ArgumentException("a stop string must not be empty");
                }
            }
            Sampling.Validate();
        }
    }

    /// <summary>Why a generation ended.</summary>
    public enum StopReason
    {
        None,
        EndOfSequence,
        MaxTokens,
        StopString,
    }

    /// <summary>One generated token and the text it releases to the reader (possibly
    /// empty: an incomplete UTF-8 character, or text held back while it could still
    /// turn out to start a stop string).</summary>
    public readonly struct GeneratedToken
    {
        public GeneratedToken(int id, string text)
        {
            Id = id;
            Text = text;
        }

        public int Id { get; }
        public string Text { get; }
    }
}
