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

        public static ModelDefinition Load(string path)
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
            string text;
            try
            {
                text = File.ReadAllText(path, new UTF8Encoding(false, true));
            }
            catch (DecoderFallbackException)
            {
                throw new IOException($"{path}: manifest is not valid UTF-8 text");
            }
            return Parse(text, path);
        }

        public static ModelDefinition Parse(string text, string path)
        {
            var result = ManifestReader.Read(text);
            if (!result.Succeeded)
            {
                throw new ManifestException(path, result.Errors);
            }
            return result.Model!;
        }
    }
}
