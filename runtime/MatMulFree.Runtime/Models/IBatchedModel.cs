using System;
using System.Collections.Generic;

namespace MatMulFree.Runtime
{
    /// <summary>
    /// A model that can process several token vectors per call: a prompt layer by
    /// layer (the ternary products become matrix-matrix; only the element-wise
    /// recurrence runs token by token), or one step of several sessions. Results are
    /// bit-identical to calling <see cref="IMatMulFreeModel.Step"/> for each token.
    /// </summary>
    public interface IBatchedModel : IMatMulFreeModel
    {
        /// <summary>Feeds <paramref name="tokens"/> of one sequence in order; writes the logits after the last.</summary>
        void Prefill(ReadOnlySpan<int> tokens, RecurrentState state, Span<float> logits);

        /// <summary>One step for several sequences: token t advances states[t]; logits row t (stride Vocab).</summary>
        void StepBatch(ReadOnlySpan<int> tokens, IReadOnlyList<RecurrentState> states, Span<float> logits);
    }
}
