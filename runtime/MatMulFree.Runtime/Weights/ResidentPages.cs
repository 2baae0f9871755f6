using System;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;

namespace MatMulFree.Runtime
{
    /// <summary>
    /// Gives back the resident pages of a read-only file mapping once its bytes have been
    /// copied out: a generated model's weights file embedded in its assembly is read where
    /// the loader mapped the assembly, and every page the SHA-256 and the tensor reads touch
    /// would otherwise stay in the process's resident set (the 370M model's file is 206 MiB;
    /// the kernels keep their own copy of the codes). On Linux, <c>madvise(MADV_DONTNEED)</c>
    /// drops the pages from this process; they stay in the OS page cache and a later read
    /// maps them again, unchanged. That holds only for pages nothing has written, so
    /// <see cref="IsReleasable"/> first checks in <c>/proc/self/maps</c> that the range lies in
    /// one mapping of a file with no write permission, and <see cref="Release"/> drops only whole
    /// pages inside the range. A private read-only mapping can still hold pages the loader wrote
    /// before it made them read-only (relocations of an executable's RELRO data): callers pass
    /// ranges of plain data no one writes, such as an embedded resource's bytes (a NativeAOT
    /// executable's resources are in such a mapping; an assembly loaded from a file is a shared
    /// one). Anywhere else (other systems, an assembly loaded from a byte array, a failed call)
    /// nothing is released: memory stays as it was, the numbers too.
    /// </summary>
    public static unsafe class ResidentPages
    {
        private const int MadviseDontNeed = 4;

        /// <summary>True when [start, start + length) can be given back: Linux, and the range lies
        /// in one mapping of a file that is not writable. Reads /proc/self/maps: call once per range.</summary>
        public static bool IsReleasable(void* start, long length)
        {
            if (!OperatingSystem.IsLinux() || length <= 0)
            {
                return false;
            }
            ulong first = (ulong)start, end = first + (ulong)length;
            try
            {
                foreach (string line in File.ReadLines("/proc/self/maps"))
                {
                    // start-end perms offset dev inode [path]
                    var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
                    int dash = fields[0].IndexOf('-');
                    ulong from = ulong.Parse(fields[0].AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    ulong to = ulong.Parse(fields[0].AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    if (first >= from && first < to)
                    {
                        bool fileBacked = fields.Length == 6 && fields[5].StartsWith('/') && fields[4] != "0";
                        return end <= to && fields[1][1] != 'w' && fileBacked;
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException or IndexOutOfRangeException)
            {
                return false;
            }
            return false;
        }

        /// <summary>Drops the whole pages inside [start, start + length) from the resident set; only for a range
        /// <see cref="IsReleasable"/> accepted. Returns false when the system refused (nothing changes then).</summary>
        public static bool Release(void* start, long length)
        {
            long page = Environment.SystemPageSize;
            long first = ((long)start + page - 1) / page * page;
            long end = ((long)start + length) / page * page;
            if (end <= first)
            {
                return true;
            }
            try
            {
                return Madvise((void*)first, (nuint)(end - first), MadviseDontNeed) == 0;
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                return false;
            }
        }

        [DllImport("libc", EntryPoint = "madvise")]
        private static extern int Madvise(void* address, nuint length, int advice);
    }
}
