using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using MatMulFree.Compiler.Manifest;
using MatMulFree.Compiler.Model;

namespace MatMulFree.Runtime
{
    /// <summary>A manifest that cannot be loaded, with every problem found in it.</summary>
    public sealed class ManifestException : Exception
    {
        public ManifestException(string path, IReadOnlyList<ManifestError> errors)
            : base(Describe(path, errors))
        {
            Path = path;
            Errors = errors;
        }

        public string Path { get; }
        public IReadOnlyList<ManifestError> Errors { get; }

        private static string Describe(string path, IReadOnlyList<ManifestError> errors)
        {
            var sb = new StringBuilder();
            for (int k = 0; k < errors.Count; k++)
            {
                if (k > 0)
                {
                    sb.Append('\n');
                }
                sb.Append(errors[k].Format(path));
            }
            return sb.ToString();
        }
    }

    /// <summary>Reads a manifest file from disk through the shared compiler core.</summary>
    public static class ManifestLoader
    {
        /// <summary>Manifest text is held in memory whole; beyond this it is refused
        /// (big models will reference an external weights file instead).</summary>
        public const long MaxManifestBytes = 1L << 30;

        /// <summary>Reads, validates and decodes a manifest file and every tensor of it,
        /// including those in an external weights file.</summary>
        public static ModelDefinition Load(string path) => Parse(ReadText(path), path);

        /// <summary>Reads manifest text; an external weights file is looked up relative to
        /// the folder of <paramref name="path"/>.</summary>
        public static ModelDefinition Parse(string text, string path)
        {
            using var weights = new FolderResolver(FolderOf(path));
            return Check(ManifestReader.Read(text, weights), path);
        }

        /// <summary>
        /// Like <see cref="Load"/>, but the ternary weights and embeddings of an external
        /// weights file are checked (the file's size and SHA-256, every range, the integrity
        /// digest, streamed) and left in the file: the model marks them with their ranges and
        /// <paramref name="weights"/> is the open file to read them from, once each (what
        /// <see cref="GenericModel.Load"/> does, so that no tensor is held twice). The caller
        /// disposes <paramref name="weights"/>; it is null for a manifest with inline data.
        /// </summary>
        public static ModelDefinition LoadDeferred(string path, out IWeightsFile? weights)
        {
            string text = ReadText(path);
            var resolver = new FolderResolver(FolderOf(path));
            try
            {
                var model = Check(ManifestReader.Read(text, resolver, deferExternal: true), path);
                weights = resolver.Detach();
                return model;
            }
            finally
            {
                resolver.Dispose();
            }
        }

        private static string FolderOf(string path) => System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) ?? ".";

        private static ModelDefinition Check(ManifestReadResult result, string path)
        {
            if (!result.Succeeded)
            {
                throw new ManifestException(path, result.Errors);
            }
            return result.Model!;
        }

        private static string ReadText(string path)
        {
            FileInfo info;
            try
            {
                info = new FileInfo(path);
                if (!info.Exists)
                {
                    throw new FileNotFoundException($"{path}: manifest not found", path);
                }
            }
            catch (Exception e) when (e is ArgumentException || e is NotSupportedException || e is PathTooLongException)
            {
                throw new IOException($"{path}: not a usable file path ({e.Message})", e);
            }
            if (info.Length > MaxManifestBytes)
            {
                throw new IOException($"{path}: manifest is {info.Length:N0} bytes, more than the {MaxManifestBytes:N0} an inline manifest may have");
            }
            try
            {
                return File.ReadAllText(path, new UTF8Encoding(false, true));
            }
            catch (DecoderFallbackException)
            {
                throw new IOException($"{path}: manifest is not valid UTF-8 text");
            }
        }

        /// <summary>Opens a manifest's weights file in its folder (the core has checked that the
        /// relative path cannot leave it); the mapping lives while the manifest is read.</summary>
        private sealed class FolderResolver : IWeightsFileResolver, IDisposable
        {
            private readonly string _folder;
            private MappedWeightsFile? _opened;

            public FolderResolver(string folder) => _folder = folder;

            public IWeightsFile? Open(WeightsFileReference reference, out string? problem)
            {
                string full = System.IO.Path.Combine(_folder, reference.Path.Replace('/', System.IO.Path.DirectorySeparatorChar));
                try
                {
                    if (!File.Exists(full))
                    {
                        problem = $"not found (looked for {full})";
                        return null;
                    }
                    _opened = MappedWeightsFile.Open(full);
                    problem = null;
                    return _opened;
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    problem = $"cannot be opened ({e.Message})";
                    return null;
                }
            }

            /// <summary>Hands the opened file to the caller, who disposes it.</summary>
            public MappedWeightsFile? Detach()
            {
                var file = _opened;
                _opened = null;
                return file;
            }

            public void Dispose() => _opened?.Dispose();
        }
    }
}
