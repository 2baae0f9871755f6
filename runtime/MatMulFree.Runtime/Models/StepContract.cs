using System;
using MatMulFree.Model;

namespace MatMulFree.Runtime
{
    /// <summary>The argument checks every <see cref="IMatMulFreeModel.Step"/> makes.</summary>
    public static class StepContract
    {
        public static void Validate(Architecture architecture, int token, RecurrentState state, Span<float> logits)
        {
            if ((uint)token >= (uint)architecture.Vocab)
            {
                throw new ArgumentOutOfRangeException(nameof(token), token, $"token id must be in [0, {architecture.Vocab})");
            }
            if (logits.Length < architecture.Vocab)
            {
                throw new ArgumentException($"logits needs {architecture.Vocab} elements", nameof(logits));
            }
            if (state.Architecture != architecture)
            {
                throw new ArgumentException("this state was created by another model", nameof(state));
            }
        }
    }
}
