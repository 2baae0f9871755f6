using System;
using System.Collections.Generic;
using MatMulFree.Compiler.Model;
using MatMulFree.Runtime.Kernels;

namespace MatMulFree.Runtime.Layers
{
    /// <summary>
    /// The MLGRU token mixer (HGRNBitAttention) for one token, in the operation
    /// order of docs/numerics.md:
    /// f = sigmoid(f_proj x), bounded by lb on layers after the first;
    /// c = silu(i_proj x) * (1 - f); h = f * h + c;
    /// o = RMSNorm(g_proj x; g_norm) * (h * sigmoid(h)); out = o_proj o.
    /// </summary>
    public sealed class MlgruLayer
    {
        private readonly float[] _gateNorm;
        private readonly float[]? _lowerBound;
        private readonly float _eps;

        public MlgruLayer(MlgruWeights w, float eps, TernaryKernelKind kernel, RowWorkers? workers = null, long parallelMinimumWeights = BitLinearLayer.DefaultParallelMinimumWeights)
        {
            Input = new BitLinearLayer(w.Input, kernel, workers, parallelMinimumWeights);
            Forget = new BitLinearLayer(w.Forget, kernel, workers, parallelMinimumWeights);
            Gate = new BitLinearLayer(w.Gate, kernel, workers, parallelMinimumWeights);
            Output = new BitLinearLayer(w.Output, kernel, workers, parallelMinimumWeights);
            _gateNorm = w.GateNorm;
            _lowerBound = w.LowerBound;
            _eps = eps;
        }

        public BitLinearLayer Input { get; }
        public BitLinearLayer Forget { get; }
        public BitLinearLayer Gate { get; }
        public BitLinearLayer Output { get; }

        /// <summary>x: the normed input; h: this layer's state, updated; y: the output.</summary>
        public void Forward(ReadOnlySpan<float> x, Span<float> h, StepScratch s, Span<float> y)
        {
            int width = h.Length;
            float r = RmsNorm.InverseRms(x, _eps);
            var i = s.Input.AsSpan(0, width);
            var f = s.Forget.AsSpan(0, width);
            var g = s.Gate.AsSpan(0, width);
            Input.Forward(x, r, s, i);
            Forget.Forward(x, r, s, f);
            Gate.Forward(x, r, s, g);
            MlgruCell.UpdateState(i, f, _lowerBound, h);
            var o = i; // i is no longer needed
            MlgruCell.GateOutput(g, RmsNorm.InverseRms(g, _eps), _gateNorm, h, o);
            Output.Forward(o, RmsNorm.InverseRms(o, _eps), s, y);
        }

        /// <summary>
        /// <paramref name="count"/> normed inputs at once (rows of <paramref name="x"/>, stride H): the
        /// projections are batched; the recurrence runs in order, input t updating the state of
        /// <paramref name="states"/>[t] (all one state for a prompt), exactly as <see cref="Forward"/>.
        /// </summary>
        public void ForwardBatch(ReadOnlySpan<float> x, int count, int layer, IReadOnlyList<RecurrentState> states,
            BatchScratch b, StepScratch s, Span<float> y)
        {
            int width = Input.OutFeatures;
            var inverse = b.InverseRms.AsSpan(0, count);
            for (int t = 0; t < count; t++)
            {
                inverse[t] = RmsNorm.InverseRms(x.Slice(t * width, width), _eps);
            }
            var i = b.Input.AsSpan(0, count * width);
            var f = b.Forget.AsSpan(0, count * width);
            var g = b.Gate.AsSpan(0, count * width);
            Input.ForwardBatch(x, inverse, count, b, s, i);
            Forget.ForwardBatch(x, inverse, count, b, s, f);
            Gate.ForwardBatch(x, inverse, count, b, s, g);
            for (int t = 0; t < count; t++)
            {
                var h = states[t].Hidden(layer);
                var it = i.Slice(t * width, width);
                var gt = g.Slice(t * width, width);
                MlgruCell.UpdateState(it, f.Slice(t * width, width), _lowerBound, h);
                MlgruCell.GateOutput(gt, RmsNorm.InverseRms(gt, _eps), _gateNorm, h, it); // o over i
                inverse[t] = RmsNorm.InverseRms(it, _eps);
            }
            Output.ForwardBatch(i, inverse, count, b, s, y);
        }
    }
}
