using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using MatMulFree.Model;
using MatMulFree.Model.Manifest;
using MatMulFree.Model.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace MatMulFree.Build
{
    /// <summary>
    /// Writes each model manifest's data resource (<see cref="DataResource"/>: norms, embeddings,
    /// ternary weights as pair codes, a BPE tokenizer's strings) into <see cref="OutputDirectory"/>
    /// and returns it as an item to embed, with the LogicalName the generated code asks for. The
    /// source generator computes the same bytes from the same manifest but may not write files;
    /// this task does, so that the C# compiler never reads the model's numbers as source.
    /// <para>A manifest whose bytes, the data format and this assembly were seen before is not read
    /// again: its resource's name is kept in a small file named by those (an unrelated edit of the
    /// project costs a hash of each manifest). A manifest the reader refuses gets no resource: the
    /// generator reports its errors, located in the manifest. Every file is written beside its final
    /// name and renamed into place when complete.</para>
    /// </summary>
    public sealed class MatMulFreeData : Task
    {
        /// <summary>The MatMulFreeModel items.</summary>
        [Required]
        public ITaskItem[] Models { get; set; } = Array.Empty<ITaskItem>();

        /// <summary>Where the resources go (the project's intermediate folder).</summary>
        [Required]
        public string OutputDirectory { get; set; } = "";

        /// <summary>One item per distinct resource: its path, and LogicalName its name in the assembly.</summary>
        [Output]
        public ITaskItem[] Resources { get; private set; } = Array.Empty<ITaskItem>();

        /// <summary>The external weights files the manifests name (docs/manifest.md, "External weights"), each
        /// once: its full path, and LogicalName the name the generated code asks for (the manifest's
        /// "weights" path, which the reader checked is a plain relative path).</summary>
        [Output]
        public ITaskItem[] WeightsFiles { get; private set; } = Array.Empty<ITaskItem>();

        public override bool Execute()
        {
            Directory.CreateDirectory(OutputDirectory);
            var resources = new List<ITaskItem>();
            var weights = new List<ITaskItem>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            var manifests = new HashSet<string>(StringComparer.Ordinal);
            // Weights files by the name the application looks them up by: two different files may not share one.
            var weightsNames = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var model in Models)
            {
                string manifest = model.GetMetadata("FullPath");
                if (!manifests.Add(manifest))
                {
                    continue;
                }
                var (name, weightsPath) = ResourceOf(manifest);
                if (name != null && names.Add(name))
                {
                    var item = new TaskItem(Path.Combine(OutputDirectory, name));
                    item.SetMetadata("LogicalName", name);
                    resources.Add(item);
                }
                if (weightsPath != null)
                {
                    string full = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(manifest)!, weightsPath));
                    if (weightsNames.TryGetValue(weightsPath, out var other))
                    {
                        if (!string.Equals(other, full, StringComparison.Ordinal))
                        {
                            Log.LogError(null, "MMF0102", null, manifest, 0, 0, 0, 0,
                                "the manifest keeps its weights in {0}, and so does another manifest of this project, whose file is {1}: beside the application or in the assembly only one file can have that name; rename one (and its manifest's \"weights\" path)",
                                DisplayText.Of(weightsPath), other);
                        }
                        continue;
                    }
                    weightsNames.Add(weightsPath, full);
                    if (File.Exists(full))
                    {
                        var item = new TaskItem(full);
                        item.SetMetadata("LogicalName", weightsPath);
                        weights.Add(item);
                    }
                    else
                    {
                        Log.LogWarning(null, "MMF0101", null, manifest, 0, 0, 0, 0,
                            "the manifest keeps its weights in {0}, which is not beside it: the model fails when first used unless that file is beside the application", DisplayText.Of(weightsPath));
                    }
                }
            }
            Resources = resources.ToArray();
            WeightsFiles = weights.ToArray();
            return !Log.HasLoggedErrors;
        }

        /// <summary>The name of <paramref name="manifest"/>'s resource, written if it was not there, and the
        /// path of the external weights file it names; nulls when the manifest has none.</summary>
        private (string? Name, string? WeightsPath) ResourceOf(string manifest)
        {
            var info = new FileInfo(manifest);
            if (!info.Exists || info.Length > ManifestLimits.MaxManifestBytes)
            {
                Log.LogMessage(MessageImportance.Low, "MatMulFreeData: {0} is missing or too large; the generator reports it", manifest);
                return (null, null);
            }
            byte[] bytes = File.ReadAllBytes(manifest);
            string key = Key(bytes);
            string index = Path.Combine(OutputDirectory, key + ".name");
            if (File.Exists(index))
            {
                // The resource's name, and on a second line the weights file's path when there is one.
                var lines = File.ReadAllText(index).Split('\n');
                string known = lines[0].Trim();
                if (known.Length > 0 && File.Exists(Path.Combine(OutputDirectory, known)))
                {
                    return (known, lines.Length > 1 && lines[1].Trim().Length > 0 ? lines[1].Trim() : null);
                }
            }
            string text;
            try
            {
                // As the compiler reads an additional file: strict UTF-8, a byte order mark skipped.
                text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
                if (text.Length > 0 && text[0] == '\uFEFF')
                {
                    text = text.Substring(1);
                }
            }
            catch (DecoderFallbackException)
            {
                Log.LogMessage(MessageImportance.Low, "MatMulFreeData: {0} is not UTF-8; the generator reports it", manifest);
                return (null, null);
            }
            var result = ManifestReader.Read(text, DeferWeightsFile.Instance);
            if (result.Model == null)
            {
                Log.LogMessage(MessageImportance.Low, "MatMulFreeData: {0} has errors; the generator reports them", manifest);
                return (null, null);
            }
            var data = DataResource.Of(result.Model);
            string path = Path.Combine(OutputDirectory, data.Name);
            if (!IsIntact(path, data))
            {
                WriteInPlace(path, data.Bytes);
            }
            string? weightsPath = result.Model.WeightsFile?.Path;
            WriteInPlace(index, Encoding.UTF8.GetBytes(data.Name + "\n" + (weightsPath ?? "")));
            Log.LogMessage(MessageImportance.Low, "MatMulFreeData: {0} -> {1} ({2:N0} bytes)", manifest, data.Name, data.Bytes.Length);
            return (data.Name, weightsPath);
        }

        /// <summary>Whether <paramref name="path"/> holds <paramref name="data"/>'s bytes already (its name is their hash).</summary>
        private static bool IsIntact(string path, DataResource data)
        {
            if (!File.Exists(path) || new FileInfo(path).Length != data.Bytes.Length)
            {
                return false;
            }
            using var sha = SHA256.Create();
            using var stream = File.OpenRead(path);
            return IntegrityDigest.LowerHex(sha.ComputeHash(stream)) == data.Sha256;
        }

        /// <summary>The manifest's bytes, the data format and this build of the model assembly, hashed.</summary>
        private static string Key(byte[] manifest)
        {
            using var sha = SHA256.Create();
            var salt = Encoding.UTF8.GetBytes(DataResource.Format + "\0" + typeof(DataResource).Assembly.ManifestModule.ModuleVersionId.ToString("N") + "\0");
            sha.TransformBlock(salt, 0, salt.Length, null, 0);
            sha.TransformFinalBlock(manifest, 0, manifest.Length);
            return "manifest-" + IntegrityDigest.LowerHex(sha.Hash!).Substring(0, 32);
        }

        /// <summary>Writes a temporary file beside <paramref name="path"/> and renames it into place. Two builds
        /// writing the same file write the same bytes: whichever rename lands last, the file is whole.</summary>
        private static void WriteInPlace(string path, byte[] bytes)
        {
            string staged = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            try
            {
                File.WriteAllBytes(staged, bytes);
                try
                {
                    File.Move(staged, path);
                }
                catch (IOException) when (File.Exists(path))
                {
                    File.Replace(staged, path, null);
                }
            }
            finally
            {
                if (File.Exists(staged))
                {
                    File.Delete(staged);
                }
            }
        }
    }
}
