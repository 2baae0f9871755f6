using System;
using System.Collections.Generic;
using System.IO;
using MatMulFree.Compiler.Manifest;
using MatMulFree.Compiler.Model;
using MatMulFree.Runtime.Kernels;
using MatMulFree.Runtime.Layers;

namespace MatMulFree.Runtime
{
    /// <summary>
    /// The generic (not generated) model: any manifest, loaded at run time, one
    /// token step per docs/numerics.md. The reference the generated models and
    /// the HLS-C are compared with bit for bit.
    /// </summary>
    public sealed class GenericModel : IBatchedModel, IDisposable
    {
        private readonly RowWorkers? _workers;
        private readonly EmbeddingTable _embeddings;
        private readonly float[] _finalNorm;
        private readonly float[][] _attentionNorms;
        private readonly float[][] _mlpNorms;

        /// <param name="threads">Threads a large layer's rows are split across (1: the caller's only).</param>
        /// <param name="parallelMinimumWeights">Layers with fewer weights run on the caller's thread alone.</param>
        /// <param name="externalWeights">The open weights file of a definition read with
        /// <see cref="ManifestLoader.LoadDeferred"/>: each tensor left in it is read once, into
        /// the layer's own form, and not kept anywhere else.</param>
        public GenericModel(ModelDefinition definition, TernaryKernelKind? kernel = null, int threads = 1,
            long parallelMinimumWeights = BitLinearLayer.DefaultParallelMinimumWeights, IWeightsFile? externalWeights = null)
        {
            Definition = definition;
            Kernel = kernel ?? TernaryKernel.Best;
            Threads = threads;
            if (threads > 1)
            {
                _workers = new RowWorkers(threads);
            }
            var a = definition.Architecture;
            var external = new DeferredTensors(definition, externalWeights);
            _embeddings = external.Embeddings();
            _finalNorm = definition.FinalNorm;
            Mlgru = new MlgruLayer[a.Layers];
            Glu = new GluLayer[a.Layers];
            _attentionNorms = new float[a.Layers][];
            _mlpNorms = new float[a.Layers][];
            for (int l = 0; l < a.Layers; l++)
            {
                var b = definition.Blocks[l];
                Mlgru[l] = new MlgruLayer(external.Mlgru(b.Mlgru), a.RmsNormEps, Kernel, _workers, parallelMinimumWeights);
                Glu[l] = new GluLayer(external.Glu(b.Glu), a.RmsNormEps, Kernel, _workers, parallelMinimumWeights);
                _attentionNorms[l] = b.AttentionNorm;
                _mlpNorms[l] = b.MlpNorm;
            }
            LmHead = new BitLinearLayer(external.Linear(definition.LmHead), Kernel, _workers, parallelMinimumWeights);
        }

        /// <summary>Reads, validates and loads a manifest file.</summary>
        /// <exception cref="ManifestException">The file is not a valid manifest.</exception>
        /// <remarks>A manifest with an external weights file is read with
        /// <see cref="ManifestLoader.LoadDeferred"/>: each weight is decoded once, straight
        /// into its layer, so <see cref="Definition"/> then holds ranges, not those tensors.</remarks>
        public static GenericModel Load(string path, TernaryKernelKind? kernel = null, int threads = 1)
        {
            var definition = ManifestLoader.LoadDeferred(path, out var weights);
            using (weights as IDisposable)
            {
                return new GenericModel(definition, kernel, threads, externalWeights: weights);
            }
        }

        /// <summary>The model as read. After <see cref="Load"/> of a manifest with an external
        /// weights file its ternary weights and embeddings are ranges in that file, not data
        /// (<see cref="ModelDefinition.HasDeferredWeights"/>); <see cref="ManifestLoader.Load"/>
        /// gives a complete one.</summary>
        public ModelDefinition Definition { get; }
        public TernaryKernelKind Kernel { get; }
        public int Threads { get; }
        public string Name => Definition.Name;
        public Architecture Architecture => Definition.Architecture;
        public TokenizerSpec Tokenizer => Definition.Tokenizer;
        public MlgruLayer[] Mlgru { get; }
        public GluLayer[] Glu { get; }
        public BitLinearLayer LmHead { get; }

        public RecurrentState CreateState() => new RecurrentState(Architecture);

        public void Step(int token, RecurrentState state, Span<float> logits)
        {
            var a = Architecture;
            StepContract.Validate(a, token, state, logits);
            var s = state.Scratch;
            var x = s.Residual.AsSpan();
            _embeddings.CopyRow(token, x);
            var normed = s.Normed.AsSpan();
            var mixed = s.Mixed.AsSpan();
            for (int l = 0; l < a.Layers; l++)
            {
                RmsNorm.Apply(x, RmsNorm.InverseRms(x, a.RmsNormEps), _attentionNorms[l], normed);
                Mlgru[l].Forward(normed, state.Hidden(l), s, mixed);
                Residual.Add(x, mixed);
                RmsNorm.Apply(x, RmsNorm.InverseRms(x, a.RmsNormEps), _mlpNorms[l], normed);
                Glu[l].Forward(normed, s, mixed);
                Residual.Add(x, mixed);
            }
            RmsNorm.Apply(x, RmsNorm.InverseRms(x, a.RmsNormEps), _finalNorm, normed);
            LmHead.Forward(normed, RmsNorm.InverseRms(normed, a.RmsNormEps), s, logits.Slice(0, a.Vocab));
            state.Advance();
        }

        /// <summary>Token vectors processed per batch (the batched kernel's width).</summary>
        public const int BatchCapacity = 16;

        public void Prefill(ReadOnlySpan<int> tokens, RecurrentState state, Span<float> logits)
        {
            var a = Architecture;
            if (tokens.IsEmpty)
            {
                throw new ArgumentException("no tokens to prefill", nameof(tokens));
            }
            foreach (int token in tokens)
            {
                StepContract.Validate(a, token, state, logits);
            }
            var batch = new BatchScratch(a, BatchCapacity);
            var same = new RecurrentState[BatchCapacity];
            Array.Fill(same, state);
            for (int start = 0; start < tokens.Length; start += BatchCapacity)
            {
                int count = Math.Min(BatchCapacity, tokens.Length - start);
                bool last = start + count == tokens.Length;
                RunBatch(tokens.Slice(start, count), same, batch, state.Scratch, last ? count - 1 : -1, logits);
            }
        }

        public void StepBatch(ReadOnlySpan<int> tokens, IReadOnlyList<RecurrentState> states, Span<float> logits)
        {
            var a = Architecture;
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
            var batch = new BatchScratch(a, BatchCapacity);
            var slice = new RecurrentState[BatchCapacity];
            for (int start = 0; start < tokens.Length; start += BatchCapacity)
            {
                int count = Math.Min(BatchCapacity, tokens.Length - start);
                for (int t = 0; t < count; t++) slice[t] = states[start + t];
                RunBatch(tokens.Slice(start, count), slice, batch, states[start].Scratch, -2, logits.Slice(start * a.Vocab, count * a.Vocab));
            }
        }

        /// <summary>
        /// The token step of docs/numerics.md for a batch: every token's vectors are computed
        /// with the same operations as <see cref="Step"/>; <paramref name="logitsOf"/> is the
        /// index of the one token whose logits are wanted, -1 for none, -2 for all (rows of logits).
        /// </summary>
        private void RunBatch(ReadOnlySpan<int> tokens, RecurrentState[] states, BatchScratch b, StepScratch s, int logitsOf, Span<float> logits)
        {
            var a = Architecture;
            int h = a.Hidden, count = tokens.Length;
            var x = b.Residual.AsSpan(0, count * h);
            var normed = b.Normed.AsSpan(0, count * h);
            var mixed = b.Mixed.AsSpan(0, count * h);
            for (int t = 0; t < count; t++)
            {
                _embeddings.CopyRow(tokens[t], x.Slice(t * h, h));
            }
            for (int l = 0; l < a.Layers; l++)
            {
                Normalize(x, count, _attentionNorms[l], normed);
                Mlgru[l].ForwardBatch(normed, count, l, states, b, s, mixed);
                AddRows(x, mixed, count * h);
                Normalize(x, count, _mlpNorms[l], normed);
                Glu[l].ForwardBatch(normed, count, b, s, mixed);
                AddRows(x, mixed, count * h);
            }
            for (int t = 0; t < count; t++)
            {
                if (logitsOf == -2 || logitsOf == t)
                {
                    var xt = x.Slice(t * h, h);
                    var nt = normed.Slice(t * h, h);
                    RmsNorm.Apply(xt, RmsNorm.InverseRms(xt, a.RmsNormEps), _finalNorm, nt);
                    var row = logitsOf == -2 ? logits.Slice(t * a.Vocab, a.Vocab) : logits.Slice(0, a.Vocab);
                    LmHead.Forward(nt, RmsNorm.InverseRms(nt, a.RmsNormEps), s, row);
                }
                states[t].Advance();
            }
        }

        private void Normalize(ReadOnlySpan<float> x, int count, float[] weight, Span<float> y)
        {
            int h = Architecture.Hidden;
            for (int t = 0; t < count; t++)
            {
                var xt = x.Slice(t * h, h);
                RmsNorm.Apply(xt, RmsNorm.InverseRms(xt, Architecture.RmsNormEps), weight, y.Slice(t * h, h));
            }
        }

        private static void AddRows(Span<float> x, ReadOnlySpan<float> y, int length) => Residual.Add(x.Slice(0, length), y.Slice(0, length));

        /// <summary>Stops the row worker threads, if any.</summary>
        public void Dispose()
        {
            _workers?.Dispose();
            _embeddings.Dispose();
        }
    }
}
