using MatMulFree.Compiler.Model;
using MatMulFree.Runtime.Kernels;

namespace MatMulFree.Runtime
{
    /// <summary>
    /// The working vectors of a batch of up to <see cref="Capacity"/> token vectors
    /// (prefill, or several sessions in one step): one row per vector of every
    /// vector the token step uses. Allocated once and reused.
    /// </summary>
    public sealed class BatchScratch
    {
        public BatchScratch(Architecture a, int capacity)
        {
            Capacity = capacity;
            int h = a.Hidden, i = a.Intermediate;
            Residual = new float[capacity * h];
            Normed = new float[capacity * h];
            Input = new float[capacity * h];
            Forget = new float[capacity * h];
            Gate = new float[capacity * h];
            Mixed = new float[capacity * h];
            Wide = new float[capacity * 2 * i];
            Glu = new float[capacity * i];
            InverseRms = new float[capacity];
            Scales = new float[capacity];
            int width = System.Math.Max(System.Math.Max(h, 2 * i), a.Vocab);
            Accumulators = new int[capacity * width];
            TableStride = PairSumTables.LengthForColumns(System.Math.Max(h, i));
            Tables = new byte[capacity * TableStride];
            QuantizedStride = TernaryKernel.PaddedColumns(System.Math.Max(h, i));
            Quantized = new sbyte[capacity * QuantizedStride];
        }

        /// <summary>Each vector's int8 activations, at a stride of <see cref="QuantizedStride"/> (the
        /// vectors of a batch are quantized in parallel, each into its own row).</summary>
        public sbyte[] Quantized { get; }

        /// <summary>Entries per vector in <see cref="Quantized"/>: the widest layer input, padded.</summary>
        public int QuantizedStride { get; }

        /// <summary>Each vector's lookup tables of the packed kernel (<see cref="PairSumTables"/>), at a stride of <see cref="TableStride"/>.</summary>
        public byte[] Tables { get; }

        /// <summary>Bytes of tables per vector: enough for the widest layer input.</summary>
        public int TableStride { get; }

        public int Capacity { get; }
        public float[] Residual { get; }
        public float[] Normed { get; }
        public float[] Input { get; }
        public float[] Forget { get; }
        public float[] Gate { get; }
        public float[] Mixed { get; }
        public float[] Wide { get; }
        public float[] Glu { get; }
        public float[] InverseRms { get; }
        public float[] Scales { get; }
        public int[] Accumulators { get; }
    }
}
