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
            Columns = new short[TokenColumns.Length(capacity, System.Math.Max(a.Hidden, a.Intermediate))];
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

        /// <summary>A generated batched layer's input with the tokens in the lanes (<see cref="TokenColumns"/>).</summary>
        public short[] Columns { get; }

        private System.Numerics.Vector<short>[] _sums = System.Array.Empty<System.Numerics.Vector<short>>();

        /// <summary>At least <paramref name="length"/> vectors for a generated batched layer's shared sums and
        /// row sums (grown to the largest layer's on first use, then kept).</summary>
        public System.Span<System.Numerics.Vector<short>> Sums(int length)
        {
            if (_sums.Length < length)
            {
                _sums = new System.Numerics.Vector<short>[length];
            }
            return new System.Span<System.Numerics.Vector<short>>(_sums, 0, length);
        }

        public override long SizeInBytes => base.SizeInBytes + 12L * Capacity + PairVectors.SizeInBytes + 2L * Columns.Length
            + (long)_sums.Length * System.Numerics.Vector<short>.Count * 2;
    }
}
