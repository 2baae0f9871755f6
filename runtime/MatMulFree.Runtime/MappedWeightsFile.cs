using System;
using System.IO;
using System.IO.MemoryMappedFiles;
using System.Security.Cryptography;
using MatMulFree.Compiler.Manifest;

namespace MatMulFree.Runtime
{
    /// <summary>
    /// A manifest's external weights file, memory-mapped read-only: the reader
    /// copies each tensor's bytes out of the mapping into the tensor's own
    /// in-memory form, through a view of that tensor's range only, unmapped right
    /// after; so the file is never read into one buffer and at most one tensor's
    /// pages of it are mapped at a time (mapped pages count in the resident set).
    /// Its SHA-256 is computed by streaming it (the pages stay in the OS cache,
    /// not in this process's working set).
    /// </summary>
    public sealed class MappedWeightsFile : IWeightsFile, IDisposable
    {
        private readonly string _path;
        private readonly MemoryMappedFile? _map;

        private MappedWeightsFile(string path, long length, MemoryMappedFile? map)
        {
            _path = path;
            Length = length;
            _map = map;
        }

        public long Length { get; }

        /// <summary>The file's path (what a model maps its embeddings from).</summary>
        public string Path => _path;

        public static MappedWeightsFile Open(string path)
        {
            long length = new FileInfo(path).Length;
            if (length == 0)
            {
                return new MappedWeightsFile(path, 0, null);
            }
            var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            return new MappedWeightsFile(path, length, map);
        }

        public string ComputeSha256()
        {
            using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
        }

        public void Read(long offset, byte[] buffer)
        {
            if (buffer.Length > 0)
            {
                using var view = _map!.CreateViewAccessor(offset, buffer.Length, MemoryMappedFileAccess.Read);
                view.ReadArray(0, buffer, 0, buffer.Length);
            }
        }

        public void ReadFloats(long offset, float[] values)
        {
            if (!BitConverter.IsLittleEndian)
            {
                throw new PlatformNotSupportedException("weights files are little-endian; big-endian hosts are not supported");
            }
            if (values.Length > 0)
            {
                using var view = _map!.CreateViewAccessor(offset, 4L * values.Length, MemoryMappedFileAccess.Read);
                view.ReadArray(0, values, 0, values.Length);
            }
        }

        public void Dispose()
        {
            _map?.Dispose();
        }
    }
}
