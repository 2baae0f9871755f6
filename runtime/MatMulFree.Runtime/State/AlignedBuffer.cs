using System;

namespace MatMulFree.Runtime
{
    /// <summary>
    /// An array whose usable part starts on a 64-byte boundary, for kernels that load whole
    /// 512-bit vectors from it: a load that straddles two cache lines costs two (the token-parallel
    /// product ran 1.3-1.4x slower from an ordinary array; tools/token-parallel). The array is
    /// allocated on the pinned object heap, so its address, and with it the alignment, never changes.
    /// </summary>
    public sealed class AlignedBuffer<T> where T : unmanaged
    {
        private const int Alignment = 64;
        private readonly T[] _array;
        private readonly int _offset;

        public unsafe AlignedBuffer(int length)
        {
            if (length < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(length), length, "a length of 0 or more");
            }
            _array = GC.AllocateArray<T>(length + Alignment / sizeof(T), pinned: true);
            fixed (T* p = _array)
            {
                _offset = (int)((Alignment - ((nint)p & (Alignment - 1))) & (Alignment - 1)) / sizeof(T);
            }
            Length = length;
        }

        public int Length { get; }

        /// <summary>The aligned elements.</summary>
        public Span<T> Span => new Span<T>(_array, _offset, Length);

        public long SizeInBytes => (long)_array.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
    }
}
