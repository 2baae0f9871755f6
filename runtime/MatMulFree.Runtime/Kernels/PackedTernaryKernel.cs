using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MatMulFree.Runtime.Kernels
{
    /// <summary>Instruction sets the packed kernel can use, best first.</summary>
    public enum PackedKernelPath
    {
        Avx512,
        Avx2,
        Vector128,
        Scalar,
    }

    /// <summary>
    /// acc[n] = sum_k t[n,k] * q[k] over <see cref="PackedTernaryWeights"/>, with
    /// additions only. The activations are biased once to unsigned bytes
    /// u = q + 128. For each row and 64-column block, each bit plane is expanded
    /// in registers to a byte mask (broadcast and one bit test: the planes are stored
    /// bit-transposed so that no byte shuffle is needed), the masked
    /// u are summed by SAD against zero (vpsadbw: absolute differences and
    /// additions), plus-plane sums are added and minus-plane sums subtracted, and
    /// the per-row bias 128 * (plus - minus) is removed at the end. Exact integer
    /// results, identical on every path (tested against the scalar reference).
    /// </summary>
    public static class PackedTernaryKernel
    {
        public static PackedKernelPath Best =>
            Avx512BW.IsSupported ? PackedKernelPath.Avx512
            : Avx2.IsSupported ? PackedKernelPath.Avx2
            : Vector128.IsHardwareAccelerated ? PackedKernelPath.Vector128
            : PackedKernelPath.Scalar;

        public static bool IsSupported(PackedKernelPath path) => path switch
        {
            PackedKernelPath.Avx512 => Avx512BW.IsSupported,
            PackedKernelPath.Avx2 => Avx2.IsSupported,
            PackedKernelPath.Vector128 => Vector128.IsHardwareAccelerated,
            _ => true,
        };

        /// <summary>Writes u = q + 128 (as bytes) for the kernels; <paramref name="biased"/> has
        /// <see cref="PackedTernaryWeights.PaddedColumns"/> bytes or more.</summary>
        public static void Bias(ReadOnlySpan<sbyte> q, Span<byte> biased)
        {
            var src = MemoryMarshal.AsBytes(q);
            int k = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                var flip = Vector256.Create((byte)0x80);
                for (; k + 32 <= src.Length; k += 32)
                {
                    (Vector256.Create(src.Slice(k, 32)) ^ flip).CopyTo(biased.Slice(k, 32));
                }
            }
            for (; k < src.Length; k++)
            {
                biased[k] = (byte)(src[k] ^ 0x80);
            }
        }

        /// <summary>The product on the best path; q padded to <see cref="PackedTernaryWeights.PaddedColumns"/>.</summary>
        public static void Product(PackedTernaryWeights w, ReadOnlySpan<sbyte> q, Span<byte> biased, Span<int> acc) =>
            Product(Best, w, q, biased, acc, 0, w.Rows);

        /// <summary>Rows [start, start + count) on the given path (a path the CPU lacks throws).</summary>
        public static void Product(PackedKernelPath path, PackedTernaryWeights w, ReadOnlySpan<sbyte> q, Span<byte> biased, Span<int> acc, int start, int count)
        {
            if (q.Length < w.PaddedColumns || biased.Length < w.PaddedColumns || acc.Length < start + count || start < 0 || start + count > w.Rows)
            {
                throw new ArgumentException("buffers too short for this matrix");
            }
            if (!IsSupported(path))
            {
                throw new PlatformNotSupportedException($"this CPU has no {path}");
            }
            if (path == PackedKernelPath.Scalar)
            {
                Scalar(w, q, acc, start, count);
                return;
            }
            Bias(q.Slice(0, w.PaddedColumns), biased);
            BiasedRows(path, w, biased, acc, start, count);
        }

        /// <summary>Rows [start, start + count) from activations already biased by <see cref="Bias"/>
        /// (what row-parallel callers use: bias once, then split the rows).</summary>
        public static void BiasedRows(PackedKernelPath path, PackedTernaryWeights w, ReadOnlySpan<byte> biased, Span<int> acc, int start, int count)
        {
            switch (path)
            {
                case PackedKernelPath.Avx512:
                    Avx512Rows(w, biased, acc, start, count);
                    return;
                case PackedKernelPath.Avx2:
                    Avx2Rows(w, biased, acc, start, count);
                    return;
                case PackedKernelPath.Vector128:
                    Vector128Rows(w, biased, acc, start, count);
                    return;
                default:
                    throw new ArgumentException("the scalar path reads q, not biased bytes", nameof(path));
            }
        }

        /// <summary>The reference: walk the set bits, add or subtract q.</summary>
        public static void Scalar(PackedTernaryWeights w, ReadOnlySpan<sbyte> q, Span<int> acc, int start, int count)
        {
            for (int n = start; n < start + count; n++)
            {
                int sum = 0;
                for (int b = 0; b < w.Blocks; b++)
                {
                    long at = ((long)n * w.Blocks + b) * 2;
                    for (ulong plus = w.Planes[at]; plus != 0; plus &= plus - 1)
                    {
                        sum += q[b * 64 + Column(BitOperations.TrailingZeroCount(plus))];
                    }
                    for (ulong minus = w.Planes[at + 1]; minus != 0; minus &= minus - 1)
                    {
                        sum -= q[b * 64 + Column(BitOperations.TrailingZeroCount(minus))];
                    }
                }
                acc[n] = sum;
            }
        }

        /// <summary>The column (0..63) a plane bit holds: the 8 x 8 bit transpose is its own inverse.</summary>
        private static int Column(int bit) => 8 * (bit & 7) + (bit >> 3);

        // A mask broadcast to every qword puts plane byte c % 8 in byte lane c; column c's bit in
        // that byte is c / 8 (the transposed layout), so one constant selects every lane's bit.
        private static readonly Vector512<byte> LaneBit512 = Vector512.Create(
            0x0101010101010101UL, 0x0202020202020202UL, 0x0404040404040404UL, 0x0808080808080808UL,
            0x1010101010101010UL, 0x2020202020202020UL, 0x4040404040404040UL, 0x8080808080808080UL).AsByte();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<byte> Expand512(ulong mask) => Expand512(mask, LaneBit512);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<byte> Expand512(ulong mask, Vector512<byte> laneBit) =>
            ~Vector512.Equals(Vector512.Create(mask).AsByte() & laneBit, Vector512<byte>.Zero);

        private static unsafe void Avx512Rows(PackedTernaryWeights w, ReadOnlySpan<byte> biased, Span<int> acc, int start, int count)
        {
            // The block count and the lane-bit constant are locals so that the JIT keeps them in
            // registers (it reloads a static or a property every iteration); the zero vector stays
            // Vector512<byte>.Zero, the form the JIT turns into a k-mask test and a masked move.
            var laneBit = LaneBit512;
            int blocks = w.Blocks;
            fixed (ulong* planes = w.Planes)
            fixed (byte* u = biased)
            {
                for (int n = start; n < start + count; n++)
                {
                    ulong* p = planes + (long)n * blocks * 2;
                    ulong* end = p + 2L * blocks;
                    byte* x = u;
                    var plus = Vector512<ulong>.Zero;
                    var minus = Vector512<ulong>.Zero;
                    for (; p < end; p += 2, x += 64)
                    {
                        var v = Vector512.Load(x);
                        // ConditionalSelect directly on a compare result becomes a zero-masking move (k register);
                        // through a local it would be materialized as a vector.
                        plus += Avx512BW.SumAbsoluteDifferences(Vector512.ConditionalSelect(Expand512(p[0], laneBit), v, Vector512<byte>.Zero), Vector512<byte>.Zero).AsUInt64();
                        minus += Avx512BW.SumAbsoluteDifferences(Vector512.ConditionalSelect(Expand512(p[1], laneBit), v, Vector512<byte>.Zero), Vector512<byte>.Zero).AsUInt64();
                    }
                    acc[n] = (int)(long)(Vector512.Sum(plus) - Vector512.Sum(minus)) - w.Bias[n];
                }
            }
        }



        /// <summary>
        /// Batched product for several token vectors at once (prefill, or several sessions): each
        /// row's bit planes are expanded once per block and applied to every vector, so the weights
        /// are read once for the whole batch. <paramref name="biased"/> holds the vectors biased by
        /// <see cref="Bias"/> at a stride of <see cref="PackedTernaryWeights.PaddedColumns"/>;
        /// <paramref name="acc"/> receives them at a stride of Rows. AVX-512 only; elsewhere one
        /// vector at a time.
        /// </summary>
        public static unsafe void BatchRows(PackedTernaryWeights w, ReadOnlySpan<byte> biased, int batch, Span<int> acc, int start, int count)
        {
            int stride = w.PaddedColumns;
            if (batch < 1 || biased.Length < batch * stride || acc.Length < batch * w.Rows || start < 0 || start + count > w.Rows)
            {
                throw new ArgumentException("buffers too short for this batch");
            }
            if (!Avx512BW.IsSupported)
            {
                // One vector at a time on the best path this CPU has.
                var path = Best;
                var q = path == PackedKernelPath.Scalar ? System.Buffers.ArrayPool<sbyte>.Shared.Rent(stride) : null;
                for (int v = 0; v < batch; v++)
                {
                    var rows = acc.Slice(v * w.Rows, w.Rows);
                    if (q == null)
                    {
                        BiasedRows(path, w, biased.Slice(v * stride, stride), rows, start, count);
                        continue;
                    }
                    for (int k = 0; k < stride; k++) q[k] = (sbyte)(biased[v * stride + k] ^ 0x80);
                    Scalar(w, q, rows, start, count);
                }
                if (q != null)
                {
                    System.Buffers.ArrayPool<sbyte>.Shared.Return(q);
                }
                return;
            }
            const int MaxBatch = 16;
            var sums = stackalloc Vector512<ulong>[MaxBatch];
            fixed (ulong* planes = w.Planes)
            fixed (byte* u = biased)
            {
                for (int first = 0; first < batch; first += MaxBatch)
                {
                    int size = Math.Min(MaxBatch, batch - first);
                    for (int n = start; n < start + count; n++)
                    {
                        ulong* p = planes + (long)n * w.Blocks * 2;
                        for (int v = 0; v < size; v++) sums[v] = Vector512<ulong>.Zero;
                        for (int b = 0; b < w.Blocks; b++, p += 2)
                        {
                            var plus = Expand512(p[0]);
                            var minus = Expand512(p[1]);
                            byte* x0 = u + (long)first * stride + b * 64;
                            for (int v = 0; v < size; v++)
                            {
                                var x = Vector512.Load(x0 + (long)v * stride);
                                sums[v] += Avx512BW.SumAbsoluteDifferences(Vector512.ConditionalSelect(plus, x, Vector512<byte>.Zero), Vector512<byte>.Zero).AsUInt64()
                                         - Avx512BW.SumAbsoluteDifferences(Vector512.ConditionalSelect(minus, x, Vector512<byte>.Zero), Vector512<byte>.Zero).AsUInt64();
                            }
                        }
                        for (int v = 0; v < size; v++)
                        {
                            acc[(first + v) * w.Rows + n] = (int)(long)Vector512.Sum(sums[v]) - w.Bias[n];
                        }
                    }
                }
            }
        }

        private static readonly Vector256<byte> LaneBitLow256 = Vector256.Create(0x0101010101010101UL, 0x0202020202020202UL, 0x0404040404040404UL, 0x0808080808080808UL).AsByte();
        private static readonly Vector256<byte> LaneBitHigh256 = Vector256.Create(0x1010101010101010UL, 0x2020202020202020UL, 0x4040404040404040UL, 0x8080808080808080UL).AsByte();

        /// <summary>Byte masks of columns 0-31 (<paramref name="laneBit"/> low) or 32-63 (high) of a transposed plane.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<byte> Expand256(ulong mask, Vector256<byte> laneBit) =>
            ~Vector256.Equals(Vector256.Create(mask).AsByte() & laneBit, Vector256<byte>.Zero);

        private static unsafe void Avx2Rows(PackedTernaryWeights w, ReadOnlySpan<byte> biased, Span<int> acc, int start, int count)
        {
            fixed (ulong* planes = w.Planes)
            fixed (byte* u = biased)
            {
                for (int n = start; n < start + count; n++)
                {
                    ulong* p = planes + (long)n * w.Blocks * 2;
                    var plus = Vector256<ulong>.Zero;
                    var minus = Vector256<ulong>.Zero;
                    for (int b = 0; b < w.Blocks; b++, p += 2)
                    {
                        var lo = Vector256.Load(u + b * 64);
                        var hi = Vector256.Load(u + b * 64 + 32);
                        ulong pm = p[0], mm = p[1];
                        plus += Avx2.SumAbsoluteDifferences(lo & Expand256(pm, LaneBitLow256), Vector256<byte>.Zero).AsUInt64()
                              + Avx2.SumAbsoluteDifferences(hi & Expand256(pm, LaneBitHigh256), Vector256<byte>.Zero).AsUInt64();
                        minus += Avx2.SumAbsoluteDifferences(lo & Expand256(mm, LaneBitLow256), Vector256<byte>.Zero).AsUInt64()
                               + Avx2.SumAbsoluteDifferences(hi & Expand256(mm, LaneBitHigh256), Vector256<byte>.Zero).AsUInt64();
                    }
                    acc[n] = (int)(long)(Vector256.Sum(plus) - Vector256.Sum(minus)) - w.Bias[n];
                }
            }
        }

        // Columns 16p .. 16p + 15 of a transposed plane sit in bits 2p and 2p + 1 of its bytes.
        private static readonly Vector128<byte>[] LaneBit128 =
        {
            Vector128.Create(0x0101010101010101UL, 0x0202020202020202UL).AsByte(),
            Vector128.Create(0x0404040404040404UL, 0x0808080808080808UL).AsByte(),
            Vector128.Create(0x1010101010101010UL, 0x2020202020202020UL).AsByte(),
            Vector128.Create(0x4040404040404040UL, 0x8080808080808080UL).AsByte(),
        };

        /// <summary>Portable Vector128 path (no SAD): masked bytes widened to 16 bits and added.</summary>
        private static unsafe void Vector128Rows(PackedTernaryWeights w, ReadOnlySpan<byte> biased, Span<int> acc, int start, int count)
        {
            fixed (ulong* planes = w.Planes)
            fixed (byte* u = biased)
            {
                for (int n = start; n < start + count; n++)
                {
                    ulong* p = planes + (long)n * w.Blocks * 2;
                    long total = 0;
                    for (int b = 0; b < w.Blocks; b++, p += 2)
                    {
                        var sum = Vector128<ushort>.Zero;
                        for (int part = 0; part < 4; part++)
                        {
                            var x = Vector128.Load(u + b * 64 + part * 16);
                            var plusMask = ~Vector128.Equals(Vector128.Create(p[0]).AsByte() & LaneBit128[part], Vector128<byte>.Zero);
                            var minusMask = ~Vector128.Equals(Vector128.Create(p[1]).AsByte() & LaneBit128[part], Vector128<byte>.Zero);
                            var (pl, ph) = Vector128.Widen(x & plusMask);
                            var (ml, mh) = Vector128.Widen(x & minusMask);
                            sum += pl + ph - ml - mh; // per lane within +-2,040 over the 4 parts: an int16 holds it
                        }
                        var (low, high) = Vector128.Widen(sum.AsInt16());
                        total += Vector128.Sum(low + high);
                    }
                    acc[n] = (int)total - w.Bias[n];
                }
            }
        }
    }
}
