using System;
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
    public sealed class GenericModel : IMatMulFreeModel, IDisposable
    {
        private readonly RowWorkers? _workers;
        private readonly float[] _embeddings;
        private readonly float[] _finalNorm;
        private readonly float[][] _attentionNorms;
        private readonly float[][] _mlpNorms;

        /// <param name="threads">Threads a large layer's rows are split across (1: the caller's only).</param>
        /// <param name="parallelMinimumWeights">Layers with fewer weights run on the caller's thread alone.</param>
        public GenericModel(ModelDefinition definition, TernaryKernelKind? kernel = null, int threads = 1,
            long parallelMinimumWeights = BitLinearLayer.DefaultParallelMinimumWeights)
        {
            Definition = definition;
            Kernel = kernel ?? TernaryKernel.Best;
            Threads = threads;
            if (threads > 1)
            {
                _workers = new RowWorkers(threads);
            }
            var a = definition.Architecture;
            _embeddings = definition.Embeddings;
            _finalNorm = definition.FinalNorm;
            Mlgru = new MlgruLayer[a.Layers];
            Glu = new GluLayer[a.Layers];
            _attentionNorms = new float[a.Layers][];
            _mlpNorms = new float[a.Layers][];
            for (int l = 0; l < a.Layers; l++)
            {
                var b = definition.Blocks[l];
                Mlgru[l] = new MlgruLayer(b.Mlgru, a.RmsNormEps, Kernel, _workers, parallelMinimumWeights);
                Glu[l] = new GluLayer(b.Glu, a.RmsNormEps, Kernel, _workers, parallelMinimumWeights);
                _attentionNorms[l] = b.AttentionNorm;
                _mlpNorms[l] = b.MlpNorm;
            }
            LmHead = new BitLinearLayer(definition.LmHead, Kernel, _workers, parallelMinimumWeights);
        }

        /// <summary>Reads, validates and loads a manifest file.</summary>
        /// <exception cref="ManifestException">The file is not a valid manifest.</exception>
        public static GenericModel Load(string path, TernaryKernelKind? kernel = null, int threads = 1) =>
            new GenericModel(ManifestLoader.Load(path), kernel, threads);

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
            _embeddings.AsSpan(token * a.Hidden, a.Hidden).CopyTo(x);
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

        /// <summary>Stops the row worker threads, if any.</summary>
        public void Dispose() => _workers?.Dispose();
    }
}
