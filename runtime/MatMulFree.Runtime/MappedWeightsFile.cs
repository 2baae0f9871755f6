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
    /// in-memory form, so the file is never read into one buffer. Its SHA-256 is
    /// computed by streaming it (the pages stay in the OS cache, not in this
    /// process's working set).
    /// </summary>
    public sealed class MappedWeightsFile : IWeightsFile, IDisposable
    {
        private readonly string _path;
        private readonly MemoryMappedFile? _map;
        private readonly MemoryMappedViewAccessor? _view;

        private MappedWeightsFile(string path, long length, MemoryMappedFile? map, MemoryMappedViewAccessor? view)
        {
            _path = path;
            Length = length;
            _map = map;
            _view = view;
        }

        public long Length { get; }

        public static MappedWeightsFile Open(string path)
        {
            long length = new FileInfo(path).Length;
            if (length == 0)
            {
                return new MappedWeightsFile(path, 0, null, null);
            }
            var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            var view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            return new MappedWeightsFile(path, length, map, view);
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
                _view!.ReadArray(offset, buffer, 0, buffer.Length);
            }
        }

        public void Dispose()
        {
            _view?.Dispose();
            _map?.Dispose();
        }
    }
}
