using System;
using MatMulFree.Compiler.Json;

namespace MatMulFree.Compiler.Manifest
{
    /// <summary>The manifest's weights file as the tensor decoder sees it: the
    /// reference, and the opened file (null when opening failed; that failure is
    /// reported once, not again for every tensor that lives in the file).</summary>
    internal sealed class OpenedWeights
    {
        public OpenedWeights(WeightsFileReference reference, IWeightsFile? file, bool deferred = false)
        {
            Reference = reference;
            File = file;
            Deferred = deferred;
        }

        public WeightsFileReference Reference { get; }
        public IWeightsFile? File { get; }
        /// <summary>Validate tensor ranges but read nothing (<see cref="DeferExternalWeights"/>).</summary>
        public bool Deferred { get; }
    }

    /// <summary>
    /// Validates the <c>"weights"</c> object (a safe relative path, the size and the
    /// SHA-256 of the file) and opens the file through the host's resolver; the
    /// file's size and hash must be the ones the manifest states.
    /// </summary>
    internal static class ExternalWeightsReader
    {
        /// <summary>1 TiB: far above any checkpoint, far below overflow.</summary>
        public const long MaxWeightsBytes = 1L << 40;

        /// <summary>Data of a tensor in the file starts at a multiple of this (cache lines;
        /// lets a runtime map tensors in place).</summary>
        public const int Alignment = 64;

        public static OpenedWeights? Open(JsonValue value, IWeightsFileResolver? resolver, bool deferExternal, ManifestValidation v)
        {
            const string at = "/weights";
            if (v.Object(value, at) == null)
            {
                return null;
            }
            v.NoOtherProperties(value, new[] { "path", "size", "sha256" }, at);
            var pathValue = v.Required(value, "path", at);
            string? path = v.String(pathValue, at + "/path");
            long? size = v.Long(v.Required(value, "size", at), at + "/size", MaxWeightsBytes);
            var shaValue = v.Required(value, "sha256", at);
            string? sha = v.String(shaValue, at + "/sha256");
            if (sha != null && (sha.Length != 64 || !ManifestReader.IsLowerHex(sha)))
            {
                v.Add(ManifestErrorKind.InvalidValue, "\"sha256\" must be 64 lowercase hexadecimal digits", at + "/sha256", shaValue!.Span);
                sha = null;
            }
            if (path != null)
            {
                string? unsafePath = PathProblem(path);
                if (unsafePath != null)
                {
                    v.Add(ManifestErrorKind.ExternalWeights, $"weights path \"{ManifestValidation.Shorten(path)}\" {unsafePath}", at + "/path", pathValue!.Span);
                    path = null;
                }
            }
            if (path == null || size == null || sha == null)
            {
                return null;
            }
            var reference = new WeightsFileReference(path, size.Value, sha);
            if (resolver == null)
            {
                v.Add(ManifestErrorKind.ExternalWeights,
                    $"the tensors are in the external weights file \"{path}\", which this reader cannot open (it reads manifests with inline data only)",
                    at, value.Span);
                return new OpenedWeights(reference, null);
            }
            if (resolver is DeferExternalWeights)
            {
                return new OpenedWeights(reference, null, deferred: true);
            }
            var file = resolver.Open(reference, out string? problem);
            if (file == null)
            {
                v.Add(ManifestErrorKind.ExternalWeights, $"weights file \"{path}\": {problem ?? "cannot be opened"}", at + "/path", pathValue!.Span);
                return new OpenedWeights(reference, null);
            }
            if (file.Length != reference.Size)
            {
                v.Add(ManifestErrorKind.ExternalWeights,
                    $"weights file \"{path}\" has {file.Length:N0} bytes, the manifest says {reference.Size:N0} (wrong or truncated file)",
                    at + "/size", value.Find("size")!.Value.Span);
                return new OpenedWeights(reference, null);
            }
            string actual = file.ComputeSha256();
            if (!string.Equals(actual, reference.Sha256, StringComparison.Ordinal))
            {
                v.Add(ManifestErrorKind.ExternalWeights,
                    $"weights file \"{path}\" has sha256 {actual}, the manifest says {reference.Sha256} (the file was altered or belongs to another manifest)",
                    at + "/sha256", shaValue!.Span);
                return new OpenedWeights(reference, null);
            }
            return new OpenedWeights(reference, file, deferExternal);
        }

        /// <summary>Why a path may not be used, or null: it must stay inside the manifest's folder.</summary>
        public static string? PathProblem(string path)
        {
            if (path.Length == 0 || path.Length > 1024)
            {
                return "must have 1 to 1024 characters";
            }
            if (path.IndexOf('\\') >= 0 || path.IndexOf(':') >= 0 || path[0] == '/')
            {
                return "must be relative to the manifest and use '/' (no drive, no leading '/', no '\\')";
            }
            foreach (char c in path)
            {
                if (c < ' ')
                {
                    return "contains a control character";
                }
            }
            foreach (var segment in path.Split('/'))
            {
                if (segment.Length == 0 || segment == "." || segment == "..")
                {
                    return "must not contain empty, '.' or '..' segments (the file must lie in or below the manifest's folder)";
                }
            }
            return null;
        }
    }
}
