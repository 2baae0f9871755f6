namespace MatMulFree.Runtime.Kernels
{
    /// <summary>
    /// Which instruction-set path a kernel runs, best first: the packed kernel has one of
    /// each (<see cref="PackedTernaryKernel.Best"/> is the widest this CPU and runtime allow);
    /// the one-byte-per-weight kernel has the scalar reference and a Vector&lt;T&gt; version
    /// for every other path (<see cref="TernaryKernel"/>). Every path computes the same integers.
    /// </summary>
    public enum KernelPath
    {
        Avx512,
        Avx2,
        Vector128,
        Scalar,
    }
}
