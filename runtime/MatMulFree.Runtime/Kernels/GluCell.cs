using System;
using System.Numerics;
using MatMulFree.Model.Numerics;
using static MatMulFree.Runtime.Kernels.PortableVectorMath;

namespace MatMulFree.Runtime.Kernels
{
    // The element-wise loops below run whole vectors with PortableVectorMath, then the
    // last few elements with PortableMath: each element gets the same operations either
    // way, so the bits do not depend on the vector width or on where an element falls.

    /// <summary>The element-wise part of the GLU: u_j = silu(z_j) * z_{I+j}.</summary>
    public static class GluCell
    {
        public static void Combine(ReadOnlySpan<float> z, Span<float> u)
        {
            int width = u.Length, j = 0;
            if (IsAccelerated)
            {
                for (; j <= width - Width; j += Width)
                {
                    (Silu(new Vector<float>(z.Slice(j))) * new Vector<float>(z.Slice(width + j))).CopyTo(u.Slice(j));
                }
            }
            for (; j < width; j++)
            {
                u[j] = PortableMath.Silu(z[j]) * z[width + j];
            }
        }
    }
}
