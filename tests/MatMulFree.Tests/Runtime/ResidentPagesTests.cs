using System;
using System.Globalization;
using System.IO;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using MatMulFree.Runtime;
using Xunit;

namespace MatMulFree.Tests.Runtime
{
    /// <summary>
    /// Giving back the pages of a read-only file mapping (how a generated model keeps its
    /// embedded weights file out of the resident set): the pages leave this process's resident
    /// set as the kernel reports it in /proc/self/smaps, the bytes read afterwards are the
    /// file's, and memory that could have been written is never touched. Linux only (elsewhere
    /// nothing is released, which the first assertion of each test checks).
    /// </summary>
    public sealed unsafe class ResidentPagesTests : IDisposable
    {
        private readonly string _path = Path.Combine(Path.GetTempPath(), $"mmf-pages-{Guid.NewGuid():N}.bin");

        public void Dispose() => File.Delete(_path);

        /// <summary>Resident KiB of the mapping that holds <paramref name="address"/>, from /proc/self/smaps.</summary>
        internal static long MappingRssKiB(void* address)
        {
            ulong at = (ulong)address;
            bool inside = false;
            foreach (string line in File.ReadLines("/proc/self/smaps"))
            {
                int dash = line.IndexOf('-');
                int space = line.IndexOf(' ');
                if (dash > 0 && space > dash && ulong.TryParse(line.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong from)
                    && ulong.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong to))
                {
                    inside = at >= from && at < to;
                }
                else if (inside && line.StartsWith("Rss:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Substring(4).Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
            throw new InvalidOperationException("no mapping holds that address");
        }

        private byte[] WriteFile(int length)
        {
            var bytes = new byte[length];
            new Random(5).NextBytes(bytes);
            File.WriteAllBytes(_path, bytes);
            return bytes;
        }

        private static long Touch(byte* p, int length)
        {
            long sum = 0;
            for (int k = 0; k < length; k += 4096) sum += p[k];
            return sum;
        }

        [Fact]
        public void A_read_only_file_mapping_gives_its_pages_back_and_reads_the_same_bytes()
        {
            const int length = 32 << 20;
            var expected = WriteFile(length);
            using var view = new MappedView(_path, length, MemoryMappedFileAccess.Read);
            byte* p = view.Pointer;
            Assert.Equal(OperatingSystem.IsLinux(), ResidentPages.IsReleasable(p, length));
            if (!OperatingSystem.IsLinux()) return;
            Touch(p, length);
            long before = MappingRssKiB(p);
            Assert.True(before >= 30 << 10, $"{before} KiB resident after touching 32 MiB");
            // An unaligned range: only its whole pages go.
            Assert.True(ResidentPages.Release(p + 100, length - 100));
            long after = MappingRssKiB(p);
            Assert.True(after <= 8, $"{after} KiB still resident (was {before})");
            Assert.True(new ReadOnlySpan<byte>(p, length).SequenceEqual(expected));
        }

        [Fact]
        public void Memory_that_could_have_been_written_is_never_released()
        {
            // Anonymous memory (an assembly loaded from a byte array lives in such), and a file
            // mapped copy-on-write, whose written pages exist nowhere else.
            byte* anonymous = (byte*)NativeMemory.Alloc(1 << 20);
            try
            {
                Assert.False(ResidentPages.IsReleasable(anonymous, 1 << 20));
            }
            finally
            {
                NativeMemory.Free(anonymous);
            }
            var bytes = new byte[1 << 20];
            fixed (byte* managed = bytes)
            {
                Assert.False(ResidentPages.IsReleasable(managed, bytes.Length));
            }
            WriteFile(1 << 20);
            using var view = new MappedView(_path, 1 << 20, MemoryMappedFileAccess.CopyOnWrite);
            view.Pointer[4096] ^= 0xFF;
            Assert.False(ResidentPages.IsReleasable(view.Pointer, 1 << 20));
        }

        [Fact]
        public void A_range_past_its_mapping_is_refused()
        {
            WriteFile(1 << 20);
            using var view = new MappedView(_path, 1 << 20, MemoryMappedFileAccess.Read);
            Assert.Equal(OperatingSystem.IsLinux(), ResidentPages.IsReleasable(view.Pointer, 1 << 20));
            Assert.False(ResidentPages.IsReleasable(view.Pointer, (1 << 20) + (1 << 16)));
            Assert.False(ResidentPages.IsReleasable(view.Pointer, 0));
        }
    }
}
