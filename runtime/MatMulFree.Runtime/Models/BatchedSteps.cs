using System;
using System.Collections.Generic;
using System.Threading;
using MatMulFree.Runtime.Kernels;

namespace MatMulFree.Runtime
{
    /// <summary>Whose logits a batch step writes.</summary>
    public enum LogitsWanted
    {
        /// <summary>None (a block of a prompt that is not its last).</summary>
        None,
        /// <summary>The last token's, in the first row of the logits (a prompt).</summary>
        Last,
        /// <summary>Every token's, one row each (several sessions).</summary>
        Each,
    }

    /// <summary>
    /// One block of a batch: the token step of docs/numerics.md for every token of
    /// <paramref name="tokens"/> (token t advancing <paramref name="states"/>[t]), with each BitLinear
    /// over the whole block and the other operations token by token, in order, so that a prompt's
    /// recurrence (every token the same state) sees its tokens one after the other.
    /// </summary>
    public delegate void BatchStep(ReadOnlySpan<int> tokens, RecurrentState[] states, BatchScratch batch, StepScratch scratch, LogitsWanted wanted, Span<float> logits);

    /// <summary>
    /// What <see cref="IBatchedModel.Prefill"/> and <see cref="IBatchedModel.StepBatch"/> do around a
    /// model's <see cref="BatchStep"/>, for the generic runtime and the generated models alike: check
    /// the arguments as <see cref="StepContract"/> does, cut the tokens into blocks of
    /// <see cref="Capacity"/>, and lend each call the model's batch scratch (allocated by its first
    /// batch; a concurrent call makes its own).
    /// </summary>
    public static class BatchedSteps
    {
        /// <summary>Token vectors per block: the token-parallel product's lanes.</summary>
        public const int Capacity = PairVectorTables.MaxLanes;

        /// <summary>Feeds <paramref name="tokens"/> of one sequence in order; writes the logits after the last.</summary>
        public static void Prefill(MatMulFree.Model.Architecture a, ReadOnlySpan<int> tokens, RecurrentState state, Span<float> logits, ref BatchScratch? idle, BatchStep step)
        {
            if (tokens.IsEmpty)
            {
                throw new ArgumentException("no tokens to prefill", nameof(tokens));
            }
            foreach (int token in tokens)
            {
                StepContract.Validate(a, token, state, logits);
            }
            var batch = Interlocked.Exchange(ref idle, null) ?? new BatchScratch(a, Capacity);
            var same = new RecurrentState[Capacity];
            Array.Fill(same, state);
            for (int start = 0; start < tokens.Length; start += Capacity)
            {
                int count = Math.Min(Capacity, tokens.Length - start);
                bool last = start + count == tokens.Length;
                step(tokens.Slice(start, count), same, batch, state.Scratch, last ? LogitsWanted.Last : LogitsWanted.None, logits);
            }
            Volatile.Write(ref idle, batch);
        }

        /// <summary>One step for several sequences: token t advances states[t]; logits row t (stride Vocab).</summary>
        public static void StepBatch(MatMulFree.Model.Architecture a, ReadOnlySpan<int> tokens, IReadOnlyList<RecurrentState> states, Span<float> logits, ref BatchScratch? idle, BatchStep step)
        {
            if (states.Count != tokens.Length || logits.Length < tokens.Length * a.Vocab)
            {
                throw new ArgumentException("one state and one logits row per token are needed");
            }
            for (int t = 0; t < tokens.Length; t++)
            {
                StepContract.Validate(a, tokens[t], states[t], logits.Slice(t * a.Vocab, a.Vocab));
                for (int u = 0; u < t; u++)
                {
                    if (ReferenceEquals(states[u], states[t]))
                    {
                        throw new ArgumentException("a state appears twice in one batch step; use Prefill for one sequence");
                    }
                }
            }
            if (tokens.IsEmpty)
            {
                return;
            }
            var batch = Interlocked.Exchange(ref idle, null) ?? new BatchScratch(a, Capacity);
            var slice = new RecurrentState[Capacity];
            for (int start = 0; start < tokens.Length; start += Capacity)
            {
                int count = Math.Min(Capacity, tokens.Length - start);
                for (int t = 0; t < count; t++) slice[t] = states[start + t];
                step(tokens.Slice(start, count), slice, batch, states[start].Scratch, LogitsWanted.Each, logits.Slice(start * a.Vocab, count * a.Vocab));
            }
            Volatile.Write(ref idle, batch);
        }
    }
}
