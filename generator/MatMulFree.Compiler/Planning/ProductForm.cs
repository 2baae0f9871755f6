namespace MatMulFree.Compiler.Planning
{
    /// <summary>How a BitLinear's ternary product is computed: what the planner decides per layer, for every target.</summary>
    public enum ProductForm
    {
        /// <summary>The weights in the code: straight-line additions and subtractions (C#),
        /// constant adder trees (HLS), after adder sharing.</summary>
        Unrolled,
        /// <summary>C#: the runtime's packed kernel over 2-bit pair codes, constant data or read from the weights file.</summary>
        Packed,
        /// <summary>HLS: FINN-style, the trits in ROM, PE rows x SIMD columns per cycle.</summary>
        Folded,
    }
}
