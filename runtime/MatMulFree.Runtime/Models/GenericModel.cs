using System;
using System.Collections.Generic;
using System.IO;
using MatMulFree.Model.Manifest;
using MatMulFree.Model;
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
        private readonly StepProgram _program;
        /// <summary>Per operation of <see cref="_program"/>, its layer (BitLinear operations only).</summary>
        private readonly BitLinearLayer?[] _layers;

        /// <param name="threads">Threads a large layer's rows are split across (1: the caller's only).</param>
        /// <param name="parallelMinimumWeights">Layers with fewer weights run on the caller's thread alone.</param>
        /// <param name="externalWeights">The open weights file of a definition read with
        /// <see cref="ManifestLoader.LoadDeferred"/>: each tensor left in it is read once, into
        /// the layer's own form, and not kept anywhere else.</param>
        /// <param name="form">How each layer is held: <see cref="ProductForm.Packed"/> (2-bit pair codes, the
        /// fastest) or <see cref="ProductForm.Rows"/> (a signed byte per weight).</param>
        /// <param name="path">The kernels' instruction-set path (default: the best this machine has;
        /// <see cref="KernelPath.Scalar"/> with <see cref="ProductForm.Rows"/> is the reference).</param>
        public GenericModel(ModelDefinition definition, ProductForm form = ProductForm.Packed, int threads = 1,
            long parallelMinimumWeights = BitLinearLayer.DefaultParallelMinimumWeights, IWeightsFile? externalWeights = null,
            KernelPath? path = null)
        {
            Definition = definition;
            Form = form;
            Threads = threads;
            if (threads > 1)
            {
                _workers = new RowWorkers(threads);
            }
            var external = new DeferredTensors(definition, externalWeights);
            _embeddings = external.Embeddings();
            _program = definition.Step;
            _layers = new BitLinearLayer?[_program.Operations.Count];
            var layers = new List<BitLinearLayer>();
            for (int k = 0; k < _layers.Length; k++)
            {
                if (_program.Operations[k].Linear is BitLinearWeights w)
                {
                    _layers[k] = new BitLinearLayer(external.Linear(w), form, _workers, parallelMinimumWeights, path);
                    layers.Add(_layers[k]!);
                }
            }
            BitLinears = layers;
            Path = path ?? PackedTernaryKernel.Best;
        }

        /// <summary>Reads, validates and loads a manifest file.</summary>
        /// <exception cref="ManifestException">The file is not a valid manifest.</exception>
        /// <remarks>A manifest with an external weights file is read with
        /// <see cref="ManifestLoader.LoadDeferred"/>: each weight is decoded once, straight
        /// into its layer, so <see cref="Definition"/> then holds ranges, not those tensors.</remarks>
        public static GenericModel Load(string manifest, ProductForm form = ProductForm.Packed, int threads = 1, KernelPath? path = null)
        {
            var definition = ManifestLoader.LoadDeferred(manifest, out var weights);
            using (weights as IDisposable)
            {
                return new GenericModel(definition, form, threads, externalWeights: weights, path: path);
            }
        }

        /// <summary>The model as read. After <see cref="Load"/> of a manifest with an external
        /// weights file its ternary weights and embeddings are ranges in that file, not data
        /// (<see cref="ModelDefinition.HasDeferredWeights"/>); <see cref="ManifestLoader.Load"/>
        /// gives a complete one.</summary>
        public ModelDefinition Definition { get; }
        /// <summary>How the layers are held (<see cref="ProductForm.Packed"/> or <see cref="ProductForm.Rows"/>).</summary>
        public ProductForm Form { get; }
        /// <summary>The instruction-set path the layers' kernels run.</summary>
        public KernelPath Path { get; }
        public int Threads { get; }
        public string Name => Definition.Name;
        public Architecture Architecture => Definition.Architecture;
        public TokenizerSpec Tokenizer => Definition.Tokenizer;
        /// <summary>Every BitLinear layer, in execution order (<see cref="ModelDefinition.BitLinears"/>).</summary>
        public IReadOnlyList<BitLinearLayer> BitLinears { get; }

        public RecurrentState CreateState() => new RecurrentState(Architecture);

        public void Step(int token, RecurrentState state, Span<float> logits)
        {
            StepContract.Validate(Architecture, token, state, logits);
            var vectors = new StepVectors(state.Scratch, state, logits);
            float r = 0;
            for (int k = 0; k < _layers.Length; k++)
            {
                var op = _program.Operations[k];
                if (_layers[k] is BitLinearLayer layer)
                {
                    var x = vectors[op.Inputs[0]];
                    layer.Forward(x, op.SharesInverseRms ? r : RmsNorm.InverseRms(x, Eps), state.Scratch, vectors[op.Output]);
                }
                else
                {
                    r = Execute(op, token, vectors, r);
                }
            }
            state.Advance();
        }

        private float Eps => Architecture.RmsNormEps;

        /// <summary>One operation other than a BitLinear, on one token's vectors; returns the shared inverse RMS.</summary>
        private float Execute(StepOp op, int token, in StepVectors v, float r)
        {
            switch (op.Kind)
            {
                case StepOperation.Embed:
                    _embeddings.CopyRow(token, v[op.Output]);
                    break;
                case StepOperation.Norm:
                    var x = v[op.Inputs[0]];
                    RmsNorm.Apply(x, RmsNorm.InverseRms(x, Eps), op.Values, v[op.Output]);
                    break;
                case StepOperation.InverseRms:
                    return RmsNorm.InverseRms(v[op.Inputs[0]], Eps);
                case StepOperation.MlgruUpdate:
                    MlgruCell.UpdateState(v[op.Inputs[0]], v[op.Inputs[1]], op.Values, v.State(op.Block));
                    break;
                case StepOperation.MlgruGateOutput:
                    var g = v[op.Inputs[0]];
                    MlgruCell.GateOutput(g, RmsNorm.InverseRms(g, Eps), op.Values, v.State(op.Block), v[op.Output]);
                    break;
                case StepOperation.GluCombine:
                    GluCell.Combine(v[op.Inputs[0]], v[op.Output]);
                    break;
                case StepOperation.Residual:
                    Residual.Add(v[op.Output], v[op.Inputs[0]]);
                    break;
                default:
                    throw new InvalidOperationException($"{op.Kind} is not an element-wise operation");
            }
            return r;
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
                RunBatch(tokens.Slice(start, count), same, batch, state.Scratch, last ? LogitsWanted.Last : LogitsWanted.None, logits);
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
                RunBatch(tokens.Slice(start, count), slice, batch, states[start].Scratch, LogitsWanted.Each, logits.Slice(start * a.Vocab, count * a.Vocab));
            }
        }

        /// <summary>
        /// The token step of docs/numerics.md for a batch: every token's vectors are computed
        /// with the same operations as <see cref="Step"/>. Each BitLinear runs over the whole
        /// batch; each run of other operations runs token by token, in order, so the recurrence
        /// of a prompt (every token one state) sees its tokens one after the other. The head
        /// (final norm, lm_head) runs only for the tokens whose logits are wanted.
        /// </summary>
        private void RunBatch(ReadOnlySpan<int> tokens, RecurrentState[] states, BatchScratch b, StepScratch s, LogitsWanted wanted, Span<float> logits)
        {
            int count = tokens.Length;
            var ops = _program.Operations;
            var shared = b.SharedInverseRms.AsSpan(0, count);
            int k = 0;
            while (k < ops.Count && !ops[k].IsHead)
            {
                if (_layers[k] is BitLinearLayer layer)
                {
                    var op = ops[k];
                    int n = layer.InFeatures;
                    var x = BatchRows(b, op.Inputs[0], count);
                    var inverse = b.InverseRms.AsSpan(0, count);
                    for (int t = 0; t < count; t++)
                    {
                        inverse[t] = op.SharesInverseRms ? shared[t] : RmsNorm.InverseRms(x.Slice(t * n, n), Eps);
                    }
                    layer.ForwardBatch(x, inverse, count, b, s, BatchRows(b, op.Output, count));
                    k++;
                    continue;
                }
                int end = k;
                while (end < ops.Count && _layers[end] == null && !ops[end].IsHead)
                {
                    end++;
                }
                for (int t = 0; t < count; t++)
                {
                    var row = new StepVectors(b, t, states[t], default);
                    float r = 0;
                    for (int j = k; j < end; j++)
                    {
                        r = Execute(ops[j], tokens[t], row, r);
                        if (ops[j].Kind == StepOperation.InverseRms)
                        {
                            shared[t] = r;
                        }
                    }
                }
                k = end;
            }
            for (int t = 0; t < count; t++)
            {
                if (wanted == LogitsWanted.Each || (wanted == LogitsWanted.Last && t == count - 1))
                {
                    var row = new StepVectors(b, t, states[t], wanted == LogitsWanted.Each ? logits.Slice(t * Architecture.Vocab, Architecture.Vocab) : logits);
                    float r = 0;
                    for (int j = k; j < ops.Count; j++)
                    {
                        var op = ops[j];
                        if (_layers[j] is BitLinearLayer head)
                        {
                            var x = row[op.Inputs[0]];
                            head.Forward(x, op.SharesInverseRms ? r : RmsNorm.InverseRms(x, Eps), s, row[op.Output]);
                        }
                        else
                        {
                            r = Execute(op, tokens[t], row, r);
                        }
                    }
                }
                states[t].Advance();
            }
        }

        private enum LogitsWanted
        {
            None,
            /// <summary>The last token's, in the first row of the logits (a prompt).</summary>
            Last,
            /// <summary>Every token's, one row each (several sessions).</summary>
            Each,
        }

        /// <summary>The rows of <paramref name="vector"/> for <paramref name="count"/> tokens.</summary>
        private Span<float> BatchRows(BatchScratch b, StepVector vector, int count) =>
            b.Vector(vector).AsSpan(0, count * StepProgram.Length(vector, Architecture));

        /// <summary>One token's vectors: in a step's scratch, or row t of a batch's.</summary>
        private readonly ref struct StepVectors
        {
            private readonly ScratchVectors _scratch;
            private readonly int _row;
            private readonly RecurrentState _state;
            private readonly Span<float> _logits;

            public StepVectors(ScratchVectors scratch, RecurrentState state, Span<float> logits)
                : this(scratch, 0, state, logits)
            {
            }

            public StepVectors(ScratchVectors scratch, int row, RecurrentState state, Span<float> logits)
            {
                _scratch = scratch;
                _row = row;
                _state = state;
                _logits = logits;
            }

            public Span<float> this[StepVector vector]
            {
                get
                {
                    if (vector == StepVector.Logits)
                    {
                        return _logits.Slice(0, _state.Architecture.Vocab);
                    }
                    int n = StepProgram.Length(vector, _state.Architecture);
                    return _scratch.Vector(vector).AsSpan(_row * n, n);
                }
            }

            public Span<float> State(int layer) => _state.Hidden(layer);
        }

        /// <summary>Stops the row worker threads, if any.</summary>
        public void Dispose()
        {
            _workers?.Dispose();
            _embeddings.Dispose();
        }
    }
}
