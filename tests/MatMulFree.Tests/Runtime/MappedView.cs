using System;
using System.IO;
using System.IO.MemoryMappedFiles;

namespace MatMulFree.Tests.Runtime
{
    /// <summary>A file mapped whole into this process, as a pointer (the resident-page tests map
    /// files read-only, the way an assembly is mapped, and copy-on-write).</summary>
    internal sealed unsafe class MappedView : IDisposable
    {
        private readonly MemoryMappedFile _map;
        private readonly MemoryMappedViewAccessor _view;

        public MappedView(string path, long length, MemoryMappedFileAccess access)
        {
            _map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, access);
            _view = _map.CreateViewAccessor(0, length, access);
            byte* p = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            Pointer = p + _view.PointerOffset;
        }

        public byte* Pointer { get; }

        public void Dispose()
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _map.Dispose();
        }
    }
}
