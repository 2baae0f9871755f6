using System;
using System.Collections.Generic;
using MatMulFree.Model.Json;
using MatMulFree.Model.Text;

namespace MatMulFree.Model.Manifest
{
    /// <summary>The manifest's weights file as the tensor decoder sees it: the
    /// reference, and the opened file (null when opening failed; that failure is
    /// reported once, not again for every tensor that lives in the file).</summary>
    internal sealed class OpenedWeightsFile
    {
        public OpenedWeightsFile(WeightsFileReference reference, JsonValue value, IWeightsFile? file, bool deferred = false)
        {
            Reference = reference;
            Value = value;
            File = file;
            Deferred = deferred;
        }

        /// <summary>The manifest's "weights" object (for the places of errors).</summary>
        public JsonValue Value { get; }

        public WeightsFileReference Reference { get; }
        public IWeightsFile? File { get; }
        /// <summary>Validate tensor ranges but read nothing (<see cref="DeferWeightsFile"/>).</summary>
        public bool Deferred { get; }
    }

    /// <summary>
    /// Validates the <c>"weights"</c> object (a safe relative path, the size and the
    /// SHA-256 of the file) and opens the file through the host's resolver; the
    /// file's size and hash must be the ones the manifest states.
    /// </summary>
    internal static class WeightsFileReader
    {
        /// <summary>Data of a tensor in the file starts at a multiple of this (cache lines;
        /// lets a runtime map tensors in place).</summary>
        public const int Alignment = 64;

        public static OpenedWeightsFile? Open(JsonValue value, IWeightsFileResolver? resolver, bool deferExternal, ManifestValidation v)
        {
            const string at = "/weights";
            if (v.Object(value, at) == null)
            {
                return null;
            }
            v.NoOtherProperties(value, new[] { "path", "size", "sha256" }, at);
            var pathValue = v.Required(value, "path", at);
            string? path = v.String(pathValue, at + "/path");
            long? size = v.Long(v.Required(value, "size", at), at + "/size", ManifestLimits.MaxWeightsBytes);
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
                    v.Add(ManifestErrorKind.WeightsFile, $"weights path \"{ManifestValidation.Shorten(path)}\" {unsafePath}", at + "/path", pathValue!.Span);
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
                v.Add(ManifestErrorKind.WeightsFile,
                    $"the tensors are in the external weights file \"{path}\", which this reader cannot open (it reads manifests with inline data only)",
                    at, value.Span);
                return new OpenedWeightsFile(reference, value, null);
            }
            if (resolver is DeferWeightsFile)
            {
                return new OpenedWeightsFile(reference, value, null, deferred: true);
            }
            var file = resolver.Open(reference, out string? problem);
            if (file == null)
            {
                v.Add(ManifestErrorKind.WeightsFile, $"weights file \"{path}\": {problem ?? "cannot be opened"}", at + "/path", pathValue!.Span);
                return new OpenedWeightsFile(reference, value, null);
            }
            if (file.Length != reference.Size)
            {
                v.Add(ManifestErrorKind.WeightsFile,
                    $"weights file \"{path}\" has {file.Length:N0} bytes, the manifest says {reference.Size:N0} (wrong or truncated file)",
                    at + "/size", value.Find("size")!.Value.Span);
                return new OpenedWeightsFile(reference, value, null);
            }
            if (!deferExternal)
            {
                // Every tensor will be read and hashed on its own; the file is checked first so that
                // a wrong file is named as such rather than as a tensor that does not match.
                var opened = new OpenedWeightsFile(reference, value, file);
                return Verify(opened, Array.Empty<WeightsFileRange>(), v) ? opened : new OpenedWeightsFile(reference, value, null);
            }
            return new OpenedWeightsFile(reference, value, file, deferExternal);
        }

        /// <summary>One scan of the file: its SHA-256 must be the manifest's, and each range's hash is
        /// recorded (<see cref="WeightsFileScan"/>). False, with the error added, when it is not so.</summary>
        public static bool Verify(OpenedWeightsFile weights, IReadOnlyList<WeightsFileRange> ranges, ManifestValidation v)
        {
            const string at = "/weights";
            string path = ManifestValidation.Shorten(weights.Reference.Path);
            string actual;
            try
            {
                actual = WeightsFileScan.Run(weights.File!, ranges);
            }
            catch (System.IO.IOException e)
            {
                v.Add(ManifestErrorKind.WeightsFile, $"weights file \"{path}\" cannot be read: {e.Message}", at + "/path", weights.Value.Find("path")!.Value.Span);
                return false;
            }
            if (!string.Equals(actual, weights.Reference.Sha256, StringComparison.Ordinal))
            {
                v.Add(ManifestErrorKind.WeightsFile,
                    $"weights file \"{path}\" has sha256 {actual}, the manifest says {weights.Reference.Sha256} (the file was altered or belongs to another manifest)",
                    at + "/sha256", weights.Value.Find("sha256")!.Value.Span);
                return false;
            }
            return true;
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
            if (!MatMulFree.Model.Text.DisplayText.IsInert(path))
            {
                return "contains a control, format, separator or unpaired surrogate character";
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
