using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using MatMulFree.Model;
using MatMulFree.Model.Manifest;
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
        /// <summary>The model's <see cref="StepProgram"/> with its operands resolved (layers, constants,
        /// vector lengths), as the executors below read it on every token.</summary>
        private readonly Instruction[] _code;
        /// <summary>Elements of each <see cref="StepVector"/>.</summary>
        private readonly int[] _lengths;
        private readonly float _eps;

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
            var a = definition.Architecture;
            _eps = a.RmsNormEps;
            _lengths = new int[(int)StepVector.Logits + 1];
            for (int v = 0; v < _lengths.Length; v++)
            {
                _lengths[v] = StepProgram.Length((StepVector)v, a);
            }
            var ops = definition.Step.Operations;
            _code = new Instruction[ops.Count];
            var layers = new List<BitLinearLayer>();
            for (int k = 0; k < _code.Length; k++)
            {
                var op = ops[k];
                BitLinearLayer? layer = null;
                if (op.Linear is BitLinearWeights w)
                {
                    layer = new BitLinearLayer(external.Linear(w), form, _workers, parallelMinimumWeights, path);
                    layers.Add(layer);
                }
                _code[k] = new Instruction(op, layer);
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
            var vectors = new StepVectors(state.Scratch, 0, state, logits, _lengths);
            var code = _code;
            float r = 0;
            for (int k = 0; k < code.Length; k++)
            {
                ref readonly var op = ref code[k];
                if (op.Layer != null)
                {
                    var x = vectors[op.Input];
                    op.Layer.Forward(x, op.SharesInverseRms ? r : RmsNorm.InverseRms(x, _eps), state.Scratch, vectors[op.Output]);
                }
                else
                {
                    r = Execute(in op, token, in vectors, r);
                }
            }
            state.Advance();
        }

        /// <summary>One operation other than a BitLinear, on one token's vectors; returns the shared inverse RMS.</summary>
        private float Execute(in Instruction op, int token, in StepVectors v, float r)
        {
            switch (op.Kind)
            {
                case StepOperation.Embed:
                    _embeddings.CopyRow(token, v[op.Output]);
                    break;
                case StepOperation.Norm:
                    var x = v[op.Input];
                    RmsNorm.Apply(x, RmsNorm.InverseRms(x, _eps), op.Values, v[op.Output]);
                    break;
                case StepOperation.InverseRms:
                    return RmsNorm.InverseRms(v[op.Input], _eps);
                case StepOperation.MlgruUpdate:
                    MlgruCell.UpdateState(v[op.Input], v[op.Second], op.Values, v.State(op.Block));
                    break;
                case StepOperation.MlgruGateOutput:
                    var g = v[op.Input];
                    MlgruCell.GateOutput(g, RmsNorm.InverseRms(g, _eps), op.Values, v.State(op.Block), v[op.Output]);
                    break;
                case StepOperation.GluCombine:
                    GluCell.Combine(v[op.Input], v[op.Output]);
                    break;
                case StepOperation.Residual:
                    Residual.Add(v[op.Output], v[op.Input]);
                    break;
                default:
                    throw new InvalidOperationException($"{op.Kind} is not an element-wise operation");
            }
            return r;
        }

        /// <summary>Token vectors processed per batch: the token-parallel product's lanes.</summary>
        public const int BatchCapacity = BatchedSteps.Capacity;

        /// <summary>The batch scratch between batched calls (null while a call holds it): allocated by the first batch, not before.</summary>
        private BatchScratch? _idleBatch;

        /// <summary>Bytes of the batch scratch, 0 before the first batch.</summary>
        public long BatchSizeInBytes => Volatile.Read(ref _idleBatch)?.SizeInBytes ?? 0;

        public void Prefill(ReadOnlySpan<int> tokens, RecurrentState state, Span<float> logits) =>
            BatchedSteps.Prefill(Architecture, tokens, state, logits, ref _idleBatch, RunBatch);

        public void StepBatch(ReadOnlySpan<int> tokens, IReadOnlyList<RecurrentState> states, Span<float> logits) =>
            BatchedSteps.StepBatch(Architecture, tokens, states, logits, ref _idleBatch, RunBatch);

        /// <summary>
        /// The token step of docs/numerics.md for a batch (<see cref="BatchStep"/>): every token's vectors
        /// are computed with the same operations as <see cref="Step"/>. Each BitLinear runs over the whole
        /// batch; each run of other operations runs token by token, in order, so the recurrence
        /// of a prompt (every token one state) sees its tokens one after the other. The head
        /// (final norm, lm_head) runs over the batch when every token's logits are wanted (several
        /// sessions), for the last token only in a prompt, and not at all in a prompt's earlier blocks.
        /// </summary>
        private void RunBatch(ReadOnlySpan<int> tokens, RecurrentState[] states, BatchScratch b, StepScratch s, LogitsWanted wanted, Span<float> logits)
        {
            int count = tokens.Length;
            int vocab = Architecture.Vocab;
            var code = _code;
            var shared = b.SharedInverseRms.AsSpan(0, count);
            // With every token's logits wanted, the head runs over the batch too (lm_head is the largest layer).
            bool head = wanted == LogitsWanted.Each;
            int k = 0;
            while (k < code.Length && (head || !code[k].IsHead))
            {
                if (code[k].Layer is BitLinearLayer layer)
                {
                    ref readonly var op = ref code[k];
                    int n = layer.InFeatures;
                    var x = BatchRows(b, op.Input, count);
                    var inverse = b.InverseRms.AsSpan(0, count);
                    for (int t = 0; t < count; t++)
                    {
                        inverse[t] = op.SharesInverseRms ? shared[t] : RmsNorm.InverseRms(x.Slice(t * n, n), _eps);
                    }
                    layer.ForwardBatch(x, inverse, count, b, s,
                        op.Output == StepVector.Logits ? logits.Slice(0, count * vocab) : BatchRows(b, op.Output, count));
                    k++;
                    continue;
                }
                int end = k;
                while (end < code.Length && code[end].Layer == null && (head || !code[end].IsHead))
                {
                    end++;
                }
                for (int t = 0; t < count; t++)
                {
                    var row = new StepVectors(b, t, states[t], head ? logits.Slice(t * vocab, vocab) : default, _lengths);
                    float r = 0;
                    for (int j = k; j < end; j++)
                    {
                        r = Execute(in code[j], tokens[t], in row, r);
                        if (code[j].Kind == StepOperation.InverseRms)
                        {
                            shared[t] = r;
                        }
                    }
                }
                k = end;
            }
            for (int t = 0; t < count; t++)
            {
                if (wanted == LogitsWanted.Last && t == count - 1)
                {
                    var row = new StepVectors(b, t, states[t], logits, _lengths);
                    float r = 0;
                    for (int j = k; j < code.Length; j++)
                    {
                        ref readonly var op = ref code[j];
                        if (op.Layer != null)
                        {
                            var x = row[op.Input];
                            op.Layer.Forward(x, op.SharesInverseRms ? r : RmsNorm.InverseRms(x, _eps), s, row[op.Output]);
                        }
                        else
                        {
                            r = Execute(in op, tokens[t], in row, r);
                        }
                    }
                }
                states[t].Advance();
            }
        }

        /// <summary>The rows of <paramref name="vector"/> for <paramref name="count"/> tokens.</summary>
        private Span<float> BatchRows(BatchScratch b, StepVector vector, int count) =>
            b.Vector(vector).AsSpan(0, count * _lengths[(int)vector]);

        /// <summary>A <see cref="StepOp"/> with what executing it needs at hand.</summary>
        private readonly struct Instruction
        {
            public Instruction(StepOp op, BitLinearLayer? layer)
            {
                Kind = op.Kind;
                Block = op.Block;
                Input = op.Inputs.Count > 0 ? op.Inputs[0] : op.Output;
                Second = op.Inputs.Count > 1 ? op.Inputs[1] : op.Output;
                Output = op.Output;
                Values = op.Values;
                SharesInverseRms = op.SharesInverseRms;
                IsHead = op.IsHead;
                Layer = layer;
            }

            public readonly StepOperation Kind;
            public readonly int Block;
            public readonly StepVector Input;
            public readonly StepVector Second;
            public readonly StepVector Output;
            public readonly float[]? Values;
            public readonly bool SharesInverseRms;
            public readonly bool IsHead;
            public readonly BitLinearLayer? Layer;
        }

        /// <summary>One token's vectors: in a step's scratch, or row t of a batch's.</summary>
        private readonly ref struct StepVectors
        {
            private readonly ScratchVectors _scratch;
            private readonly int _row;
            private readonly RecurrentState _state;
            private readonly Span<float> _logits;
            private readonly int[] _lengths;

            public StepVectors(ScratchVectors scratch, int row, RecurrentState state, Span<float> logits, int[] lengths)
            {
                _scratch = scratch;
                _row = row;
                _state = state;
                _logits = logits;
                _lengths = lengths;
            }

            public Span<float> this[StepVector vector]
            {
                [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
                get
                {
                    int n = _lengths[(int)vector];
                    return vector == StepVector.Logits ? _logits.Slice(0, n) : _scratch.Vector(vector).AsSpan(_row * n, n);
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
