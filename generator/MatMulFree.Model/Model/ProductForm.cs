namespace MatMulFree.Model
{
    /// <summary>
    /// How a BitLinear's ternary product is computed: what the planner decides per layer for
    /// the generated C# and the HLS-C, and which form the generic runtime holds a layer in.
    /// Which instruction set then runs it is the runtime's KernelPath.
    /// </summary>
    public enum ProductForm
    {
        /// <summary>The weights in the code: straight-line additions and subtractions (C#),
        /// constant adder trees (HLS), after adder sharing.</summary>
        Unrolled,
        /// <summary>2-bit pair codes and lookup tables (<see cref="PairCodes"/>): the runtime's packed
        /// kernel, over constant data in generated C# or read from the weights file.</summary>
        Packed,
        /// <summary>HLS: FINN-style, the trits in ROM, PE rows x SIMD columns per cycle.</summary>
        Folded,
        /// <summary>Generic runtime: one signed byte per weight, row by row (the scalar reference and its
        /// Vector&lt;T&gt; version).</summary>
        Rows,
    }
}
