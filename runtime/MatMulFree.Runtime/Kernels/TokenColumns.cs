using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace MatMulFree.Runtime.Kernels
{
    /// <summary>
    /// A batch's quantized activations with the tokens in the vector lanes, for the generated models'
    /// batched unrolled layers: for each group of <see cref="Width"/> tokens, column k of the layer's
    /// input is one <see cref="Vector{T}"/> of int16 (token t of the group in lane t; lanes past the
    /// batch are 0), so the unrolled sums, written over q[k] and p[j] as for one token, add a whole
    /// group of tokens at a time. Layout: [group][column][lane].
    /// </summary>
    public static class TokenColumns
    {
        /// <summary>Tokens per vector: <see cref="Vector{T}"/> of int16 on this machine.</summary>
        public static int Width => Vector<short>.Count;

        /// <summary>Groups of <see cref="Width"/> tokens that <paramref name="count"/> tokens fill.</summary>
        public static int Groups(int count) => (count + Width - 1) / Width;

        /// <summary>int16 values for up to <paramref name="tokens"/> tokens of <paramref name="columns"/> columns.</summary>
        public static int Length(int tokens, int columns) => Groups(tokens) * Width * columns;

        /// <summary>Writes the columns of <paramref name="count"/> quantized vectors (vector t at
        /// <paramref name="q"/>[t * <paramref name="stride"/>]) in the layout above.</summary>
        public static void Transpose(ReadOnlySpan<sbyte> q, int stride, int count, int columns, Span<short> x)
        {
            int width = Width;
            if (count < 1 || stride < columns || q.Length < (count - 1) * stride + columns || x.Length < Length(count, columns))
            {
                throw new ArgumentException("activation or column buffer too short");
            }
            x.Slice(0, Length(count, columns)).Clear();
            for (int t = 0; t < count; t++)
            {
                var row = q.Slice(t * stride, columns);
                var lanes = x.Slice(t / width * width * columns + t % width);
                for (int k = 0; k < columns; k++)
                {
                    lanes[k * width] = row[k];
                }
            }
        }

        /// <summary>Group <paramref name="group"/>'s columns: element k is column k of its tokens.</summary>
        public static ReadOnlySpan<Vector<short>> Group(ReadOnlySpan<short> x, int group, int columns) =>
            MemoryMarshal.Cast<short, Vector<short>>(x.Slice(group * Width * columns, Width * columns));

        /// <summary>
        /// BitLinear step 5 for group <paramref name="group"/>'s tokens: y[t * rows + n] =
        /// (float)acc[n][lane] * (beta / s_t), each token's own scale, the one multiplication per output
        /// that <see cref="Dequantizer.Apply"/> does (so the same bits).
        /// </summary>
        public static void Dequantize(ReadOnlySpan<Vector<short>> acc, int group, int count, float beta, ReadOnlySpan<float> scales, Span<float> y, int rows)
        {
            int width = Width;
            int first = group * width, last = Math.Min(count, first + width);
            var sums = MemoryMarshal.Cast<Vector<short>, short>(acc.Slice(0, rows));
            for (int t = first; t < last; t++)
            {
                float scale = beta / scales[t];
                var output = y.Slice(t * rows, rows);
                for (int n = 0; n < rows; n++)
                {
                    output[n] = sums[n * width + t - first] * scale;
                }
            }
        }
    }
}
