using System;
using MatMulFree.Model;

namespace MatMulFree.Runtime
{
    /// <summary>
    /// A MatMul-free language model that computes one token step at a time, per
    /// docs/numerics.md. The generic runtime model and every generated model
    /// implement it, so sessions, sampling and streaming work on either.
    /// </summary>
    public interface IMatMulFreeModel
    {
        /// <summary>The model's name (from its manifest).</summary>
        string Name { get; }

        Architecture Architecture { get; }

        TokenizerSpec Tokenizer { get; }

        /// <summary>A fresh recurrent state (all zeros) with its own scratch buffers.</summary>
        RecurrentState CreateState();

        /// <summary>
        /// Feeds <paramref name="token"/>, advances <paramref name="state"/> by one
        /// step and writes the next-token logits (length Vocab). Allocates nothing.
        /// </summary>
        void Step(int token, RecurrentState state, Span<float> logits);
    }
}
