namespace MatMulFree.Model
{
    /// <summary>Arithmetic on tensor shapes.</summary>
    public static class ShapeMath
    {
        /// <summary>The number of elements of a tensor of this shape (1 for a scalar).</summary>
        public static long ElementCount(System.Collections.Generic.IEnumerable<long> shape)
        {
            long n = 1;
            foreach (var d in shape)
            {
                n *= d;
            }
            return n;
        }
    }
}
