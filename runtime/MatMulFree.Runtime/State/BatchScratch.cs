using MatMulFree.Model;
using MatMulFree.Runtime.Kernels;

namespace MatMulFree.Runtime
{
    /// <summary>
    /// The working vectors of a batch of up to <see cref="Capacity"/> token vectors
    /// (prefill, or several sessions in one step): <see cref="ScratchVectors"/> with one
    /// row per vector, and each vector's norm and quantization scale.
    /// </summary>
    public sealed class BatchScratch : ScratchVectors
    {
        public BatchScratch(Architecture a, int capacity)
            : base(a, capacity)
        {
            InverseRms = new float[capacity];
            Scales = new float[capacity];
            SharedInverseRms = new float[capacity];
            PairVectors = new AlignedBuffer<short>(PairVectorTables.LengthForColumns(System.Math.Max(a.Hidden, a.Intermediate)));
        }

        public int Capacity => Vectors;
        /// <summary>RmsNorm.InverseRms of each vector of the current layer input.</summary>
        public float[] InverseRms { get; }
        /// <summary>Each vector's inverse RMS shared by the projections of one normed input (MLGRU i, f, g).</summary>
        public float[] SharedInverseRms { get; }
        /// <summary>Each vector's activation scale s (BitLinear step 2) in the current layer.</summary>
        public float[] Scales { get; }
        /// <summary>The token-parallel product's tables of the current layer input (<see cref="PairVectorTables"/>),
        /// for up to <see cref="PairVectorTables.MaxLanes"/> vectors, enough for the widest layer input.</summary>
        public AlignedBuffer<short> PairVectors { get; }

        public override long SizeInBytes => base.SizeInBytes + 12L * Capacity + PairVectors.SizeInBytes;
    }
}
