using System;
using System.IO;
using System.Text;

namespace MatMulFree.Runtime.Files
{
    /// <summary>
    /// Writes a file so that its previous contents are never lost: the new contents
    /// go to a temporary file beside it (same folder, so the same file system),
    /// flushed to the disk, and only then renamed over it, which is atomic. Until
    /// <see cref="Staged.Commit"/> the old file is untouched; a failure, a kill or a
    /// full disk leaves at most a temporary file named <c>.NAME.tmp-XXXXXXXX</c>.
    /// Two files that belong together (a manifest and its weights file) are staged
    /// both, checked, and committed in order (<see cref="CommitPair"/>).
    /// </summary>
    public static class AtomicFile
    {
        /// <summary>Writes <paramref name="path"/> with <paramref name="write"/> and puts it in place.</summary>
        public static void Write(string path, Action<Stream> write)
        {
            using var staged = Stage(path, write);
            staged.Commit();
        }

        public static void WriteAllText(string path, string text) =>
            Write(path, s =>
            {
                var bytes = new UTF8Encoding(false).GetBytes(text);
                s.Write(bytes, 0, bytes.Length);
            });

        public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
        {
            var copy = bytes.ToArray();
            Write(path, s => s.Write(copy, 0, copy.Length));
        }

        /// <summary>Writes the new contents of <paramref name="path"/> to a temporary file beside it,
        /// flushed to the disk; <see cref="Staged.Commit"/> puts it in place, disposing without a
        /// commit deletes it.</summary>
        public static Staged Stage(string path, Action<Stream> write)
        {
            string full = Path.GetFullPath(path);
            string folder = Path.GetDirectoryName(full) ?? ".";
            Directory.CreateDirectory(folder);
            string temporary = Path.Combine(folder, "." + Path.GetFileName(full) + ".tmp-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            try
            {
                using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
                {
                    write(stream);
                    stream.Flush(flushToDisk: true);
                }
                return new Staged(full, temporary);
            }
            catch
            {
                TryDelete(temporary);
                throw;
            }
        }

        /// <summary>
        /// Puts two staged files in place, <paramref name="first"/> then <paramref name="last"/> (a weights file,
        /// then the manifest that names it). The file <paramref name="first"/> replaces is moved aside to
        /// <c>.NAME.old-XXXXXXXX</c> first, and deleted only once <paramref name="last"/> is in place: if putting
        /// <paramref name="last"/> in place fails, it is moved back, so the previous pair is as it was; if the
        /// process is killed between the renames, it is still there to be renamed back by hand.
        /// </summary>
        public static void CommitPair(Staged first, Staged last)
        {
            string? aside = null;
            if (File.Exists(first.Path))
            {
                aside = Path.Combine(Path.GetDirectoryName(first.Path) ?? ".", "." + Path.GetFileName(first.Path) + ".old-" + Guid.NewGuid().ToString("N").Substring(0, 8));
                File.Move(first.Path, aside);
            }
            try
            {
                first.Commit();
                last.Commit();
            }
            catch
            {
                if (aside != null)
                {
                    try
                    {
                        File.Move(aside, first.Path, overwrite: true);
                    }
                    catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                    {
                        // The failure to report is the first one; the previous file stays aside, under its name.
                    }
                }
                throw;
            }
            if (aside != null)
            {
                TryDelete(aside);
            }
        }

        private static void TryDelete(string path)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
            }
        }

        /// <summary>A file's new contents, complete on disk under a temporary name.</summary>
        public sealed class Staged : IDisposable
        {
            private bool _done;

            internal Staged(string path, string temporary)
            {
                Path = path;
                TemporaryPath = temporary;
            }

            /// <summary>Where the file goes.</summary>
            public string Path { get; }

            /// <summary>Where its new contents are until <see cref="Commit"/>.</summary>
            public string TemporaryPath { get; }

            /// <summary>Renames the temporary file over <see cref="Path"/> (atomic on one file system).</summary>
            public void Commit()
            {
                if (_done)
                {
                    throw new InvalidOperationException($"{Path} was already committed or discarded");
                }
                File.Move(TemporaryPath, Path, overwrite: true);
                _done = true;
            }

            /// <summary>Deletes the temporary file unless it was committed.</summary>
            public void Dispose()
            {
                if (!_done)
                {
                    _done = true;
                    TryDelete(TemporaryPath);
                }
            }
        }
    }
}
