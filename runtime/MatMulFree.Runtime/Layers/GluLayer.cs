using System;
using MatMulFree.Compiler.Model;
using MatMulFree.Runtime.Kernels;

namespace MatMulFree.Runtime.Layers
{
    /// <summary>
    /// The GLU channel mixer (HGRNBitMLP): z = gate_proj x (2I outputs),
    /// u_j = silu(z_j) * z_{I+j}, out = down_proj u.
    /// </summary>
    public sealed class GluLayer
    {
        private readonly float _eps;

        public GluLayer(GluWeights w, float eps, TernaryKernelKind kernel, RowWorkers? workers = null, long parallelMinimumWeights = BitLinearLayer.DefaultParallelMinimumWeights)
        {
            GateUp = new BitLinearLayer(w.GateUp, kernel, workers, parallelMinimumWeights);
            Down = new BitLinearLayer(w.Down, kernel, workers, parallelMinimumWeights);
            _eps = eps;
        }

        public BitLinearLayer GateUp { get; }
        public BitLinearLayer Down { get; }

        public void Forward(ReadOnlySpan<float> x, StepScratch s, Span<float> y)
        {
            int width = Down.InFeatures;
            var z = s.Wide.AsSpan(0, 2 * width);
            GateUp.Forward(x, RmsNorm.InverseRms(x, _eps), s, z);
            var u = s.Glu.AsSpan(0, width);
            GluCell.Combine(z, u);
            Down.Forward(u, RmsNorm.InverseRms(u, _eps), s, y);
        }

        /// <summary><paramref name="count"/> normed inputs at once (rows of <paramref name="x"/>, stride H), as <see cref="Forward"/> each.</summary>
        public void ForwardBatch(ReadOnlySpan<float> x, int count, BatchScratch b, StepScratch s, Span<float> y)
        {
            int hidden = GateUp.InFeatures, width = Down.InFeatures;
            var inverse = b.InverseRms.AsSpan(0, count);
            for (int t = 0; t < count; t++)
            {
                inverse[t] = RmsNorm.InverseRms(x.Slice(t * hidden, hidden), _eps);
            }
            var z = b.Wide.AsSpan(0, count * 2 * width);
            GateUp.ForwardBatch(x, inverse, count, b, s, z);
            var u = b.Glu.AsSpan(0, count * width);
            for (int t = 0; t < count; t++)
            {
                GluCell.Combine(z.Slice(t * 2 * width, 2 * width), u.Slice(t * width, width));
                inverse[t] = RmsNorm.InverseRms(u.Slice(t * width, width), _eps);
            }
            Down.ForwardBatch(u, inverse, count, b, s, y);
        }
    }
}
