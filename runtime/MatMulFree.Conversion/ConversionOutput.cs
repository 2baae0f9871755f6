using System;
using System.IO;
using System.Text;
using MatMulFree.Model;
using MatMulFree.Model.Manifest;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Files;

namespace MatMulFree.Conversion
{
    /// <summary>Where a converted model's tensors go.</summary>
    public enum WeightsPlacement
    {
        /// <summary>External above <see cref="ConversionOutput.AutoExternalBytes"/>, inline below.</summary>
        Auto,
        /// <summary>In the manifest.</summary>
        Inline,
        /// <summary>In NAME.mmfw beside NAME.mmf.json.</summary>
        External,
    }

    /// <summary>
    /// How a converted model is written: in the manifest, or with its tensors in an external
    /// weights file beside it; both staged beside their targets, read back and checked from
    /// there, and only then renamed into place, the weights file first (<see cref="AtomicFile"/>):
    /// a failed, killed or out-of-space conversion leaves a previous manifest and weights file
    /// as they were.
    /// </summary>
    public static class ConversionOutput
    {
        /// <summary>With <see cref="WeightsPlacement.Auto"/>, models whose tensors encode to more than this go external.</summary>
        public const long AutoExternalBytes = 64L << 20;

        /// <summary>In an external layout, tensors of at most this many bytes (norm weights) stay inline.</summary>
        public const long InlineTensorBytes = 64L << 10;

        /// <summary>What the name of a manifest with an external weights file ends with.</summary>
        public const string ManifestSuffix = ".mmf.json";

        /// <summary>Whether <paramref name="model"/>'s tensors go to an external weights file.</summary>
        public static bool IsExternal(ModelDefinition model, WeightsPlacement placement) =>
            placement == WeightsPlacement.External || (placement == WeightsPlacement.Auto && EncodedBytes(model) > AutoExternalBytes);

        /// <summary>NAME.mmf.json and NAME.mmfw go together, one to one (and so the build targets find the file):
        /// another name could make two manifests share, and overwrite, one weights file. The problem with
        /// <paramref name="outPath"/> as the manifest of a model with a weights file, or null.</summary>
        public static string? NameProblem(string outPath, WeightsPlacement placement)
        {
            if (Path.GetFileName(outPath).EndsWith(ManifestSuffix, StringComparison.Ordinal))
            {
                return null;
            }
            return $"-o {ModelFile.Display(outPath)}: a model whose tensors go to an external weights file is written as NAME{ManifestSuffix}, with NAME.mmfw beside it" +
                (placement == WeightsPlacement.Auto ? $" (its tensors are more than {AutoExternalBytes >> 20} MiB; --weights inline keeps them in the manifest)" : "");
        }

        /// <summary>"out/model.mmf.json" -> "model.mmfw", beside the manifest (one weights file per manifest name).</summary>
        public static string WeightsFileName(string manifestPath)
        {
            string file = Path.GetFileName(manifestPath);
            return (file.EndsWith(ManifestSuffix, StringComparison.Ordinal) ? file.Substring(0, file.Length - ManifestSuffix.Length) : file) + ".mmfw";
        }

        /// <summary>The manifest, and the external weights file when <paramref name="weightsPath"/> is given, each
        /// staged beside its target, read back from there (the manifest, the weights file's size and SHA-256,
        /// and the integrity digest over everything), then put in place: the weights file first, the manifest
        /// last; a weights file that would hold nothing (every tensor within the inline limit) is not written.
        /// Returns the checked digest.</summary>
        /// <exception cref="CheckpointException">The model does not read back as the manifest it should be.</exception>
        /// <exception cref="IOException">A file could not be written.</exception>
        public static string Write(ModelDefinition model, string outPath, string? weightsPath) =>
            Write(model, outPath, weightsPath, out _);

        /// <param name="weightsWritten">Whether a weights file was written (not when every tensor stayed inline).</param>
        public static string Write(ModelDefinition model, string outPath, string? weightsPath, out bool weightsWritten)
        {
            weightsWritten = false;
            AtomicFile.Staged? weights = null;
            AtomicFile.Staged? manifest = null;
            try
            {
                string text = "";
                if (weightsPath != null)
                {
                    long written = 0;
                    weights = AtomicFile.Stage(weightsPath, stream =>
                    {
                        using var writer = new WeightsFileWriter(Path.GetFileName(weightsPath), stream, InlineTensorBytes);
                        text = ManifestWriter.Write(model, writer);
                        written = writer.Length;
                    });
                    if (written == 0)
                    {
                        // Every tensor stayed inline: no weights file (the manifest does not reference one).
                        weights.Dispose();
                        weights = null;
                    }
                    weightsWritten = weights != null;
                }
                else
                {
                    text = ManifestWriter.Write(model);
                }
                manifest = AtomicFile.Stage(outPath, stream =>
                {
                    var bytes = new UTF8Encoding(false).GetBytes(text);
                    stream.Write(bytes, 0, bytes.Length);
                });
                string digest;
                try
                {
                    var check = ManifestLoader.LoadDeferred(manifest.TemporaryPath, out var opened, weights?.TemporaryPath);
                    (opened as IDisposable)?.Dispose();
                    digest = check.IntegrityDigest;
                }
                catch (ManifestException e)
                {
                    throw new CheckpointException($"the converted model does not read back as a valid manifest, so nothing was written ({e.Errors.Count} problem(s)):\n{e.Message}");
                }
                if (weights != null)
                {
                    // The weights file first, the manifest last; the previous weights file is kept aside until
                    // the manifest is in place (and put back if that fails).
                    AtomicFile.CommitPair(weights, manifest);
                }
                else
                {
                    manifest.Commit();
                }
                return digest;
            }
            finally
            {
                manifest?.Dispose();
                weights?.Dispose();
            }
        }

        private static long EncodedBytes(ModelDefinition model)
        {
            long bytes = 0;
            foreach (var t in TensorInventory.Of(model))
            {
                bytes += t.Ternary != null ? t.Ternary.PackedTrits.LongLength : 4L * t.Values!.LongLength;
            }
            return bytes;
        }
    }
}
