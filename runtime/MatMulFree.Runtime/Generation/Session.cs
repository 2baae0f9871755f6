using System;
using System.Collections.Generic;
using MatMulFree.Runtime.Sampling;
using MatMulFree.Runtime.Tokenization;

namespace MatMulFree.Runtime.Generation
{
    /// <summary>
    /// One conversation with a model: its recurrent state, the logits of the last
    /// step, and a fixed window of recent tokens for the repetition penalty.
    /// Nothing in it grows with the length of the text: a MatMul-free LM keeps
    /// one H-vector per layer instead of a KV cache.
    /// </summary>
    public sealed class Session
    {
        private readonly float[] _logits;
        private readonly int[] _recent;
        private readonly int[] _recentOrdered;
        private int _recentCount;
        private int _recentNext;
        private bool _hasLogits;

        public Session(IMatMulFreeModel model, ITokenizer? tokenizer = null, int recentWindow = 64)
        {
            Model = model;
            Tokenizer = tokenizer ?? TokenizerFactory.Create(model.Tokenizer, model.Architecture);
            State = model.CreateState();
            _logits = new float[model.Architecture.Vocab];
            _recent = new int[Math.Max(0, recentWindow)];
            _recentOrdered = new int[_recent.Length];
        }

        public IMatMulFreeModel Model { get; }
        public ITokenizer Tokenizer { get; }
        public RecurrentState State { get; }

        /// <summary>The logits after the last fed token.</summary>
        public ReadOnlySpan<float> Logits => _logits;

        /// <summary>Why the last <see cref="Generate"/> ended.</summary>
        public StopReason LastStopReason { get; private set; }

        /// <summary>Bytes this session holds; constant over its life.</summary>
        public long SizeInBytes => State.SizeInBytes + 4L * (_logits.Length + _recent.Length);

        public void Reset()
        {
            State.Reset();
            _recentCount = 0;
            _recentNext = 0;
            _hasLogits = false;
        }

        /// <summary>
        /// Feeds tokens (a prompt); their last logits remain. A model that batches
        /// (<see cref="IBatchedModel"/>) processes them layer by layer; the result is the same.
        /// </summary>
        public void Feed(ReadOnlySpan<int> tokens)
        {
            if (tokens.IsEmpty)
            {
                return;
            }
            if (tokens.Length > 1 && Model is IBatchedModel batched)
            {
                batched.Prefill(tokens, State, _logits);
            }
            else
            {
                foreach (int t in tokens)
                {
                    Model.Step(t, State, _logits);
                }
            }
            foreach (int t in tokens)
            {
                Remember(t);
            }
            _hasLogits = true;
        }

        /// <summary>Encodes and feeds a prompt; BOS first when the session is at its start.</summary>
        public void FeedText(string text)
        {
            Feed(Tokenizer.Encode(text, addBos: State.Position == 0));
        }

        /// <summary>
        /// Streams tokens until EOS, <see cref="GenerationOptions.MaxTokens"/> or a
        /// stop string. Each item carries the text it releases; concatenated they
        /// are the generated text without the stop string.
        /// </summary>
        public IEnumerable<GeneratedToken> Generate(GenerationOptions options)
        {
            options.Validate();
            if (options.Sampling.RepetitionWindow > _recent.Length && options.Sampling.RepetitionPenalty != 1f)
            {
                throw new ArgumentException($"this session remembers {_recent.Length} tokens; the repetition window asks for {options.Sampling.RepetitionWindow}");
            }
            if (!_hasLogits)
            {
                Feed(new[] { Tokenizer.Bos });
            }
            var sampler = new Sampler(options.Sampling, _logits.Length);
            var text = new StreamingTextDecoder(Tokenizer);
            var stops = new StopStringMatcher(options.StopStrings);
            LastStopReason = StopReason.None;
            for (int n = 0; n < options.MaxTokens; n++)
            {
                int window = Math.Min(_recentCount, options.Sampling.RepetitionWindow);
                int id = sampler.Sample(_logits, RecentTokens(window));
                if (options.StopAtEos && id == Tokenizer.Eos)
                {
                    LastStopReason = StopReason.EndOfSequence;
                    break;
                }
                Feed(new ReadOnlySpan<int>(in id));
                string shown = stops.Push(text.Append(id));
                yield return new GeneratedToken(id, shown);
                if (stops.Stopped)
                {
                    LastStopReason = StopReason.StopString;
                    yield break;
                }
            }
            if (LastStopReason == StopReason.None)
            {
                LastStopReason = StopReason.MaxTokens;
            }
            string tail = stops.Push(text.Flush());
            tail += stops.Stopped ? "" : stops.Flush();
            if (tail.Length > 0)
            {
                yield return new GeneratedToken(-1, tail);
            }
        }

        private void Remember(int token)
        {
            if (_recent.Length == 0)
            {
                return;
            }
            _recent[_recentNext] = token;
            _recentNext = (_recentNext + 1) % _recent.Length;
            _recentCount = Math.Min(_recentCount + 1, _recent.Length);
        }

        /// <summary>The last <paramref name="count"/> tokens fed, oldest first.</summary>
        private ReadOnlySpan<int> RecentTokens(int count)
        {
            int oldest = (_recentNext - count + _recent.Length) % Math.Max(1, _recent.Length);
            for (int k = 0; k < count; k++)
            {
                _recentOrdered[k] = _recent[(oldest + k) % _recent.Length];
            }
            return new ReadOnlySpan<int>(_recentOrdered, 0, count);
        }
    }
}
