using MatMulFree.Model;
using MatMulFree.Runtime.Kernels;

namespace MatMulFree.Runtime
{
    /// <summary>
    /// The working vectors of one token step (<see cref="ScratchVectors"/> with one row),
    /// and the threads its large layers may use.
    /// </summary>
    public sealed class StepScratch : ScratchVectors
    {
        public StepScratch(Architecture a)
            : base(a, 1)
        {
        }

        /// <summary>Threads for the large packed layers of a generated model (null: the calling
        /// thread only). The generic runtime uses the pool given to <see cref="GenericModel"/>.</summary>
        public RowWorkers? Workers { get; set; }

        /// <summary>Layers with fewer weights than this stay on the calling thread even with
        /// <see cref="Workers"/> (waking workers costs more than a small product).</summary>
        public long ParallelMinimumWeights { get; set; } = Layers.BitLinearLayer.DefaultParallelMinimumWeights;
    }
}
