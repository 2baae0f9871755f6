using System;
using System.Runtime.InteropServices;
using MatMulFree.Model.Manifest;
using Microsoft.Win32.SafeHandles;

namespace MatMulFree.Runtime.Files
{
    /// <summary>
    /// A manifest's external weights file, read with positioned reads (not mapped into
    /// memory: a mapped file that shrinks kills the process with SIGBUS on the next
    /// touch, where a read just comes back short and is reported). Each tensor is read
    /// into memory the reader owns and checked against the hash its scan recorded
    /// (<see cref="WeightsFileScan"/>), so the model is what was verified even if the
    /// file changes later. Reading the file once through the OS cache leaves its pages
    /// there, not in this process's working set.
    /// </summary>
    public sealed class WeightsFile : IWeightsFile, IDisposable
    {
        private readonly SafeFileHandle _handle;

        private WeightsFile(string path, SafeFileHandle handle, long length, string[] allowedFolders)
        {
            Path = path;
            _handle = handle;
            Length = length;
            AllowedFolders = allowedFolders;
        }

        /// <summary>The folders the file had to lie in; whoever opens it again opens it under the same rule.</summary>
        public string[] AllowedFolders { get; }

        /// <summary>The file's real path (symbolic links resolved).</summary>
        public string Path { get; }

        public long Length { get; }

        /// <summary>Opens a weights file under <see cref="ModelFile"/>'s rules: a regular file whose real path
        /// lies inside one of <paramref name="allowedFolders"/> (none: anywhere).</summary>
        public static WeightsFile Open(string path, params string[] allowedFolders)
        {
            var handle = ModelFile.Open(path, "weights file", ManifestLimits.MaxWeightsBytes, out long length, out string real, allowedFolders);
            return new WeightsFile(real, handle, length, allowedFolders);
        }

        public void Read(long offset, byte[] buffer, int index, int count) =>
            ModelFile.ReadExactly(_handle, offset, buffer.AsSpan(index, count), Path, "weights file");

        public void ReadFloats(long offset, float[] values)
        {
            if (!BitConverter.IsLittleEndian)
            {
                throw new PlatformNotSupportedException("weights files are little-endian; big-endian hosts are not supported");
            }
            ModelFile.ReadExactly(_handle, offset, MemoryMarshal.AsBytes(values.AsSpan()), Path, "weights file");
        }

        public void Dispose() => _handle.Dispose();
    }
}
