using MatMulFree.Model;
using MatMulFree.Runtime.Kernels;

namespace MatMulFree.Runtime
{
    /// <summary>
    /// The working vectors of <see cref="Vectors"/> token vectors, one row per vector of
    /// every vector a token step uses, sized for the widest layer of a model: one row for
    /// a single step (<see cref="StepScratch"/>), one per vector of a batch
    /// (<see cref="BatchScratch"/>). Allocated once and reused. Ternary kernels read whole
    /// SIMD vectors, so an int8 row is padded to <see cref="TernaryKernel.ColumnAlignment"/>.
    /// </summary>
    public abstract class ScratchVectors
    {
        protected ScratchVectors(Architecture a, int vectors)
        {
            Vectors = vectors;
            int h = a.Hidden, i = a.Intermediate;
            Residual = new float[vectors * h];
            Normed = new float[vectors * h];
            Input = new float[vectors * h];
            Forget = new float[vectors * h];
            Gate = new float[vectors * h];
            Mixed = new float[vectors * h];
            Wide = new float[vectors * 2 * i];
            Glu = new float[vectors * i];
            Accumulators = new int[vectors * a.MaxWidth];
            QuantizedStride = TernaryKernel.PaddedColumns(System.Math.Max(h, i));
            Quantized = new sbyte[vectors * QuantizedStride];
            TableStride = PairSumTables.LengthForColumns(System.Math.Max(h, i));
            Tables = new byte[vectors * TableStride];
            _byVector = new[] { Residual, Normed, Input, Forget, Gate, Mixed, Wide, Glu };
        }

        /// <summary>Rows of each buffer.</summary>
        public int Vectors { get; }

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
        /// <summary>A ternary product's integer sums, [MaxWidth] per row.</summary>
        public int[] Accumulators { get; }
        /// <summary>int8 activations of a BitLinear input, <see cref="QuantizedStride"/> per row.</summary>
        public sbyte[] Quantized { get; }
        /// <summary>Entries per row of <see cref="Quantized"/>: the widest layer input, padded.</summary>
        public int QuantizedStride { get; }
        /// <summary>The packed kernel's lookup tables of each row's activations (<see cref="PairSumTables"/>),
        /// <see cref="TableStride"/> bytes per row.</summary>
        public byte[] Tables { get; }
        /// <summary>Bytes of tables per row: enough for the widest layer input.</summary>
        public int TableStride { get; }

        /// <summary>The buffer of a vector of the token step (<see cref="StepProgram"/>), one row per vector;
        /// the state and the logits live elsewhere.</summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public float[] Vector(StepVector vector) =>
            (uint)vector < (uint)_byVector.Length ? _byVector[(int)vector]
            : throw new System.ArgumentOutOfRangeException(nameof(vector), vector, "not a scratch vector");

        /// <summary>The buffers in <see cref="StepVector"/> order, Residual to Glu (State and Logits, which live
        /// elsewhere, come last in that enum; StepProgramTests holds the order).</summary>
        private readonly float[][] _byVector;

        /// <summary>Bytes this scratch holds.</summary>
        public virtual long SizeInBytes =>
            4L * (Residual.Length + Normed.Length + Input.Length + Forget.Length + Gate.Length + Mixed.Length
                  + Wide.Length + Glu.Length + Accumulators.Length) + Quantized.Length + Tables.Length;
    }
}
