using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using MatMulFree.Model;
using MatMulFree.Model.Manifest;
using MatMulFree.Runtime.Files;

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
                sb.Append(errors[k].Format(ModelFile.Display(path)));
            }
            return sb.ToString();
        }
    }

    /// <summary>Reads a manifest file from disk through the model assembly (MatMulFree.Model).</summary>
    public static class ManifestLoader
    {
        /// <summary>Manifest text is held in memory whole; beyond this it is refused
        /// (big models will reference an external weights file instead).</summary>
        public const long MaxManifestBytes = ManifestLimits.MaxManifestBytes;

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
        /// <param name="weightsSubstitute">Read this file as the weights file the manifest names
        /// (a converter reading back what it wrote under temporary names).</param>
        public static ModelDefinition LoadDeferred(string path, out IWeightsFile? weights, string? weightsSubstitute = null)
        {
            string text = ReadText(path);
            var resolver = new FolderResolver(FolderOf(path), weightsSubstitute);
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

        private static string ReadText(string path) => ModelFile.ReadText(path, "manifest", MaxManifestBytes);

        /// <summary>Opens a manifest's weights file in its folder: the core has checked that the relative
        /// path cannot leave it, and <see cref="ModelFile"/> that no link leads out of it either.</summary>
        private sealed class FolderResolver : IWeightsFileResolver, IDisposable
        {
            private readonly string _folder;
            private readonly string? _substitute;
            private WeightsFile? _opened;

            /// <param name="substitute">Read this file instead of the one the manifest names (mmf convert
            /// reads back a manifest whose weights file is still under its temporary name).</param>
            public FolderResolver(string folder, string? substitute = null)
            {
                _folder = folder;
                _substitute = substitute;
            }

            public IWeightsFile? Open(WeightsFileReference reference, out string? problem)
            {
                string full = _substitute ?? System.IO.Path.Combine(_folder, reference.Path.Replace('/', System.IO.Path.DirectorySeparatorChar));
                try
                {
                    _opened = WeightsFile.Open(full, ModelFile.RealPath(_folder));
                    problem = null;
                    return _opened;
                }
                catch (ModelFileException e)
                {
                    problem = e.Message;
                    return null;
                }
            }

            /// <summary>Hands the opened file to the caller, who disposes it.</summary>
            public WeightsFile? Detach()
            {
                var file = _opened;
                _opened = null;
                return file;
            }

            public void Dispose() => _opened?.Dispose();
        }
    }
}
