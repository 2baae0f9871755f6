using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using MatMulFree.Model.Text;
using Microsoft.Win32.SafeHandles;

namespace MatMulFree.Runtime.Files
{
    /// <summary>A model file (manifest, weights, checkpoint, tokenizer) that cannot be used, and why.</summary>
    public sealed class ModelFileException : IOException
    {
        public ModelFileException(string message) : base(message)
        {
        }
    }

    /// <summary>
    /// Opens the files a model is read from, which are untrusted input (docs/security.md):
    /// the path's symbolic links are resolved one component at a time, and the file they
    /// lead to must lie inside the folder the caller allows (a weights file in its
    /// manifest's folder, a shard in its checkpoint's) and be a regular, non-empty file.
    /// Devices, pipes and sockets report a size of 0 and are refused before they are
    /// opened, so that nothing blocks on a FIFO or reads /dev/zero without end. The size
    /// used is the opened file's, never the link's. On Linux the file is opened without
    /// blocking and then checked to be the very file whose path was checked (its
    /// /proc/self/fd link), so a file swapped for a FIFO or a link in between is refused,
    /// not waited on or followed.
    /// </summary>
    public static unsafe class ModelFile
    {
        /// <summary>Links followed in one path at most (Linux's own limit).</summary>
        public const int MaxLinks = 40;

        /// <summary>The file <paramref name="path"/> leads to, with every symbolic link of every
        /// component resolved (and "..", once the links before it are).</summary>
        /// <exception cref="ModelFileException">A loop of links, or a path that is not usable.</exception>
        public static string RealPath(string path)
        {
            string full;
            try
            {
                full = Path.IsPathRooted(path) ? path : Path.Combine(Directory.GetCurrentDirectory(), path);
            }
            catch (Exception e) when (e is ArgumentException || e is NotSupportedException || e is IOException)
            {
                throw new ModelFileException($"{Display(path)}: not a usable file path ({e.Message})");
            }
            if (Path.DirectorySeparatorChar != '/')
            {
                return Path.GetFullPath(full);
            }
            var pending = new Stack<string>();
            Push(pending, full);
            string current = "/";
            int links = 0;
            while (pending.Count > 0)
            {
                string part = pending.Pop();
                if (part.Length == 0 || part == ".")
                {
                    continue;
                }
                if (part == "..")
                {
                    current = Path.GetDirectoryName(current) ?? "/";
                    continue;
                }
                string next = current == "/" ? "/" + part : current + "/" + part;
                string? target;
                try
                {
                    target = new FileInfo(next).LinkTarget;
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    target = null;
                }
                if (target == null)
                {
                    current = next;
                    continue;
                }
                if (++links > MaxLinks)
                {
                    throw new ModelFileException($"{Display(path)}: more than {MaxLinks} symbolic links (a loop?)");
                }
                if (target.StartsWith("/", StringComparison.Ordinal))
                {
                    current = "/";
                }
                Push(pending, target);
            }
            return current;
        }

        private static void Push(Stack<string> pending, string path)
        {
            var parts = path.Split('/');
            for (int k = parts.Length - 1; k >= 0; k--)
            {
                pending.Push(parts[k]);
            }
        }

        /// <summary>Is <paramref name="realFile"/> inside <paramref name="realFolder"/> (both real paths)?</summary>
        public static bool IsInside(string realFile, string realFolder)
        {
            string folder = realFolder.EndsWith("/", StringComparison.Ordinal) || realFolder.EndsWith("\\", StringComparison.Ordinal)
                ? realFolder
                : realFolder + Path.DirectorySeparatorChar;
            return realFile.StartsWith(folder, StringComparison.Ordinal);
        }

        /// <summary>
        /// Opens <paramref name="path"/> for reading: its real path must lie inside one of
        /// <paramref name="allowedFolders"/> (real paths; none given: anywhere), and it must be a
        /// regular file of 1 to <paramref name="maxBytes"/> bytes.
        /// </summary>
        /// <param name="what">What the file is, for messages ("manifest", "weights file").</param>
        /// <exception cref="ModelFileException">Missing, outside, special, empty or too large.</exception>
        public static SafeFileHandle Open(string path, string what, long maxBytes, out long length, params string[] allowedFolders) =>
            Open(path, what, maxBytes, out length, out _, allowedFolders);

        /// <summary><see cref="Open(string, string, long, out long, string[])"/>, also giving the real path it checked and opened.</summary>
        public static SafeFileHandle Open(string path, string what, long maxBytes, out long length, out string real, params string[] allowedFolders)
        {
            real = RealPath(path);
            if (allowedFolders.Length > 0)
            {
                bool inside = false;
                foreach (var folder in allowedFolders)
                {
                    inside |= IsInside(real, folder);
                }
                if (!inside)
                {
                    throw new ModelFileException($"{Display(path)}: the {what} is a link to a file outside {Display(allowedFolders[0])}, which is refused (docs/security.md)");
                }
            }
            var info = new FileInfo(real);
            if (!info.Exists)
            {
                throw new ModelFileException(Directory.Exists(real) ? $"{Display(path)}: the {what} is a folder, not a file" : $"{Display(path)}: not found");
            }
            if (info.Length == 0)
            {
                // Regular files report their size; devices, pipes and sockets report 0.
                throw new ModelFileException($"{Display(path)}: the {what} is empty or not a regular file");
            }
            // The flags below have these values on Linux for x64 and Arm64.
            bool linux = OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture
                is System.Runtime.InteropServices.Architecture.X64 or System.Runtime.InteropServices.Architecture.Arm64;
            SafeFileHandle handle = linux ? OpenChecked(real, path, what) : OpenByPath(real, path, what);
            try
            {
                try
                {
                    length = RandomAccess.GetLength(handle);
                }
                catch (NotSupportedException)
                {
                    // A handle that cannot seek: a pipe or a socket swapped in after the checks above.
                    length = 0;
                }
                if (length == 0)
                {
                    throw new ModelFileException($"{Display(path)}: the {what} is empty or not a regular file");
                }
                if (length > maxBytes)
                {
                    throw new ModelFileException($"{Display(path)}: the {what} has {length:N0} bytes, more than the {maxBytes:N0} allowed");
                }
                return handle;
            }
            catch
            {
                handle.Dispose();
                throw;
            }
        }

        private static SafeFileHandle OpenByPath(string real, string path, string what)
        {
            try
            {
                return File.OpenHandle(real, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new ModelFileException($"{Display(path)}: the {what} cannot be opened ({e.Message})");
            }
        }

        private const int ReadOnly = 0, NonBlocking = 0x800, CloseOnExec = 0x80000;

        /// <summary>Opens without blocking (a FIFO swapped in opens at once, and is then refused by its size),
        /// then checks that the descriptor is the file checked (a link swapped in leads elsewhere).</summary>
        private static SafeFileHandle OpenChecked(string real, string path, string what)
        {
            int fd;
            var bytes = System.Text.Encoding.UTF8.GetBytes(real + "\0");
            fixed (byte* name = bytes)
            {
                fd = OpenFile(name, ReadOnly | NonBlocking | CloseOnExec);
            }
            if (fd < 0)
            {
                int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                string why = errno switch
                {
                    2 => "it is gone",
                    13 => "permission denied",
                    40 => "too many levels of symbolic links",
                    _ => "errno " + errno.ToString(System.Globalization.CultureInfo.InvariantCulture),
                };
                throw new ModelFileException($"{Display(path)}: the {what} cannot be opened ({why})");
            }
            var handle = new SafeFileHandle((IntPtr)fd, ownsHandle: true);
            string? opened;
            try
            {
                opened = new FileInfo("/proc/self/fd/" + fd.ToString(System.Globalization.CultureInfo.InvariantCulture)).LinkTarget;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                opened = null;
            }
            if (opened != null && !string.Equals(opened, real, StringComparison.Ordinal))
            {
                handle.Dispose();
                throw new ModelFileException($"{Display(path)}: the {what} changed while it was being opened");
            }
            return handle;
        }

        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "open", SetLastError = true)]
        private static extern int OpenFile(byte* path, int flags);

        /// <summary>Reads a whole file opened by <see cref="Open"/>; a file that is shorter than it was is an error.</summary>
        public static byte[] ReadAll(SafeFileHandle handle, long length, string path, string what)
        {
            var bytes = new byte[length];
            ReadExactly(handle, 0, bytes, path, what);
            return bytes;
        }

        /// <summary>Fills <paramref name="buffer"/> from <paramref name="offset"/>, or says the file shrank.</summary>
        public static void ReadExactly(SafeFileHandle handle, long offset, Span<byte> buffer, string path, string what)
        {
            int done = 0;
            while (done < buffer.Length)
            {
                int read;
                try
                {
                    read = RandomAccess.Read(handle, buffer.Slice(done), offset + done);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is NotSupportedException)
                {
                    throw new ModelFileException($"{Display(path)}: the {what} cannot be read ({e.Message})");
                }
                if (read <= 0)
                {
                    throw new ModelFileException($"{Display(path)}: the {what} ends at byte {offset + done:N0}, before the {offset + buffer.Length:N0} it had when it was opened (it changed while being read)");
                }
                done += read;
            }
        }

        /// <summary>
        /// A JSON text file (manifest, config.json, tokenizer.json, index): opened as above and
        /// decoded as strict UTF-8. A UTF-8 byte order mark is skipped; UTF-16 and UTF-32 ones,
        /// and any invalid UTF-8, are refused (the source generator refuses them too).
        /// </summary>
        public static string ReadText(string path, string what, long maxBytes, params string[] allowedFolders)
        {
            byte[] bytes;
            using (var handle = Open(path, what, maxBytes, out long length, allowedFolders))
            {
                bytes = ReadAll(handle, length, path, what);
            }
            return DecodeUtf8(bytes, path, what);
        }

        /// <summary>Strict UTF-8 (a UTF-8 byte order mark skipped), as <see cref="ReadText"/> reads it.</summary>
        public static string DecodeUtf8(byte[] bytes, string path, string what)
        {
            int start = 0;
            if (bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF)
            {
                start = 3;
            }
            else if (bytes.Length >= 2 && (bytes[0] == 0xFF && bytes[1] == 0xFE || bytes[0] == 0xFE && bytes[1] == 0xFF)
                     || bytes.Length >= 4 && bytes[0] == 0 && bytes[1] == 0 && bytes[2] == 0xFE && bytes[3] == 0xFF)
            {
                throw new ModelFileException($"{Display(path)}: the {what} is UTF-16 or UTF-32 text; it must be UTF-8");
            }
            try
            {
                return new UTF8Encoding(false, true).GetString(bytes, start, bytes.Length - start);
            }
            catch (DecoderFallbackException e)
            {
                throw new ModelFileException($"{Display(path)}: the {what} is not valid UTF-8 text (at byte {start + e.Index:N0})");
            }
        }

        /// <summary>A path as it is shown in a message: control and other invisible characters escaped, at most 200 characters.</summary>
        public static string Display(string path) => MatMulFree.Model.Text.DisplayText.Of(path, 200);
    }
}
