using MatMulFree.Compiler.Model;
using MatMulFree.Runtime.Kernels;

namespace MatMulFree.Runtime
{
    /// <summary>
    /// The working vectors of one token step, sized for the widest layer of a
    /// model. Ternary kernels read whole SIMD vectors, so the int8 buffer is padded
    /// to <see cref="TernaryKernel.ColumnAlignment"/>, and its padding stays zero.
    /// </summary>
    public sealed class StepScratch
    {
        public StepScratch(Architecture a)
        {
            int h = a.Hidden;
            int width = a.MaxWidth;
            Residual = new float[h];
            Normed = new float[h];
            Input = new float[h];
            Forget = new float[h];
            Gate = new float[h];
            Mixed = new float[h];
            Wide = new float[2 * a.Intermediate];
            Glu = new float[a.Intermediate];
            Accumulators = new int[width];
            Quantized = new sbyte[TernaryKernel.PaddedColumns(System.Math.Max(h, a.Intermediate))];
            Tables = new byte[PairSumTables.LengthForColumns(System.Math.Max(h, a.Intermediate))];
        }

        /// <summary>x, the residual stream.</summary>
        public float[] Residual { get; }
        /// <summary>RMSNorm of the residual, input to a mixer.</summary>
        public float[] Normed { get; }
        /// <summary>MLGRU i, later o (the gated state).</summary>
        public float[] Input { get; }
        /// <summary>MLGRU f.</summary>
        public float[] Forget { get; }
        /// <summary>MLGRU g.</summary>
        public float[] Gate { get; }
        /// <summary>A mixer's output before the residual add.</summary>
        public float[] Mixed { get; }
        /// <summary>GLU gate_proj output [2I].</summary>
        public float[] Wide { get; }
        /// <summary>silu(gate) * up [I].</summary>
        public float[] Glu { get; }
        public int[] Accumulators { get; }
        public sbyte[] Quantized { get; }
        /// <summary>The packed kernel's lookup tables of the current activations (<see cref="PairSumTables"/>).</summary>
        public byte[] Tables { get; }

        /// <summary>Threads for the large packed layers of a generated model (null: the calling
        /// thread only). The generic runtime uses the pool given to <see cref="GenericModel"/>.</summary>
        public RowWorkers? Workers { get; set; }

        /// <summary>Layers with fewer weights than this stay on the calling thread even with
        /// <see cref="Workers"/> (waking workers costs more than a small product).</summary>
        public long ParallelMinimumWeights { get; set; } = Layers.BitLinearLayer.DefaultParallelMinimumWeights;

        public long SizeInBytes =>
            4L * (Residual.Length + Normed.Length + Input.Length + Forget.Length + Gate.Length + Mixed.Length
                  + Wide.Length + Glu.Length + Accumulators.Length) + Quantized.Length + Tables.Length;
    }
}
