using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using MatMulFree.Model;
using MatMulFree.Model.Json;
using MatMulFree.Model.Manifest;
using MatMulFree.Model.Text;
using MatMulFree.Runtime.Files;

namespace MatMulFree.Conversion
{
    /// <summary>
    /// A Hugging Face model folder: <c>config.json</c> and the weights, either one
    /// <c>model.safetensors</c> or shards listed by <c>model.safetensors.index.json</c>
    /// (its "weight_map": tensor name -> shard file). Every tensor docs/model.md names
    /// for the configured architecture must be present once with its exact shape
    /// (F32, F16 or BF16); a tensor the architecture does not have is refused, so a
    /// checkpoint of another architecture is not silently half-read.
    /// </summary>
    public sealed class HuggingFaceCheckpoint : IDisposable
    {
        public const string ConfigFile = "config.json";
        public const string SingleFile = "model.safetensors";
        public const string IndexFile = "model.safetensors.index.json";
        /// <summary>config.json and the index are small; larger ones are refused unread.</summary>
        public const long MaxJsonBytes = 64L << 20;

        private readonly List<SafetensorsFile> _files;
        private readonly Dictionary<string, SafetensorsFile> _fileOf;

        /// <summary>
        /// The real folders a checkpoint's files may lie in: the checkpoint's own, and, when it is a
        /// snapshot of the Hugging Face cache (<c>models--org--name/snapshots/REV/</c>, whose files are
        /// links into <c>models--org--name/blobs/</c>), that repository's blobs folder. A file that is a
        /// link to anywhere else is refused, so a downloaded folder cannot make the converter read, or
        /// name in an error, a file of the user's (docs/security.md).
        /// </summary>
        public static string[] AllowedFolders(string folder)
        {
            string real = ModelFile.RealPath(folder);
            string? snapshots = Path.GetDirectoryName(real);
            if (snapshots != null && Path.GetFileName(snapshots) == "snapshots" && Path.GetDirectoryName(snapshots) is string repository)
            {
                return new[] { real, Path.Combine(repository, "blobs") };
            }
            return new[] { real };
        }

        private HuggingFaceCheckpoint(string folder, Architecture architecture, List<SafetensorsFile> files, Dictionary<string, SafetensorsFile> fileOf)
        {
            Folder = folder;
            Architecture = architecture;
            _files = files;
            _fileOf = fileOf;
        }

        public string Folder { get; }
        public Architecture Architecture { get; }

        /// <summary>The safetensors files read (one, or every shard).</summary>
        public IReadOnlyList<string> Files => _files.ConvertAll(f => f.Path);

        public static HuggingFaceCheckpoint Open(string folder)
        {
            if (!Directory.Exists(folder))
            {
                throw new CheckpointException($"{ModelFile.Display(folder)}: not a folder (expected a Hugging Face model folder with {ConfigFile} and {SingleFile})");
            }
            var allowed = AllowedFolders(folder);
            string configPath = Path.Combine(folder, ConfigFile);
            var architecture = HuggingFaceConfig.Read(ReadJsonFile(configPath, allowed), configPath);
            var files = new List<SafetensorsFile>();
            var fileOf = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            try
            {
                string indexPath = Path.Combine(folder, IndexFile);
                if (File.Exists(indexPath))
                {
                    OpenShards(folder, indexPath, allowed, files, fileOf);
                }
                else
                {
                    string single = Path.Combine(folder, SingleFile);
                    if (!File.Exists(single))
                    {
                        bool pickle = File.Exists(Path.Combine(folder, "pytorch_model.bin")) || File.Exists(Path.Combine(folder, "pytorch_model.bin.index.json"));
                        throw new CheckpointException($"{ModelFile.Display(folder)}: neither {SingleFile} nor {IndexFile} is present" + (pickle
                            ? " (pytorch_model.bin is a Python pickle, which is not read here: save the model with safe_serialization=True, or convert it with the safetensors tools, first)"
                            : ""));
                    }
                    var file = SafetensorsFile.Open(single, allowed);
                    files.Add(file);
                    foreach (var name in file.Tensors.Keys)
                    {
                        fileOf[name] = file;
                    }
                }
                var checkpoint = new HuggingFaceCheckpoint(folder, architecture, files, fileOf);
                checkpoint.CheckTensors();
                return checkpoint;
            }
            catch
            {
                foreach (var f in files)
                {
                    f.Dispose();
                }
                throw;
            }
        }

        /// <summary>A tensor's values widened exactly to float32; non-finite values are refused.</summary>
        public float[] ReadFloats(string name)
        {
            var file = _fileOf[name];
            var values = file.ReadFloats(name);
            for (int k = 0; k < values.Length; k++)
            {
                if (!float.IsFinite(values[k]))
                {
                    throw new CheckpointException($"{file.Path}: tensor \"{DisplayText.Of(name)}\" element {k:N0} is {values[k]}: weights must be finite");
                }
            }
            return values;
        }

        private void CheckTensors()
        {
            var slots = TensorCatalog.For(Architecture);
            var expected = new HashSet<string>(StringComparer.Ordinal);
            foreach (var slot in slots)
            {
                expected.Add(slot.Name);
                if (!_fileOf.TryGetValue(slot.Name, out var file))
                {
                    throw new CheckpointException($"{Folder}: tensor \"{slot.Name}\" [{string.Join(", ", slot.Shape)}] is missing (config.json describes a {Architecture.Layers}-layer model)");
                }
                var t = file.Tensors[slot.Name];
                if (!SameShape(t.Shape, slot.Shape))
                {
                    throw new CheckpointException($"{file.Path}: tensor \"{slot.Name}\" has shape [{string.Join(", ", t.Shape)}], config.json implies [{string.Join(", ", slot.Shape)}]");
                }
            }
            foreach (var name in _fileOf.Keys)
            {
                if (!expected.Contains(name))
                {
                    throw new CheckpointException($"{_fileOf[name].Path}: unexpected tensor \"{DisplayText.Of(name)}\": an HGRN-Bit model of this config.json has no such tensor (another architecture?)");
                }
            }
        }

        private static void OpenShards(string folder, string indexPath, string[] allowed, List<SafetensorsFile> files, Dictionary<string, SafetensorsFile> fileOf)
        {
            string text = ReadJsonFile(indexPath, allowed);
            var root = JsonReader.Parse(text, out var error);
            if (root == null)
            {
                throw new CheckpointException($"{ModelFile.Display(indexPath)}({error!.Span.Line},{error.Span.Column}): invalid JSON: {error.Message}");
            }
            var map = root.Kind == JsonKind.Object ? root.Find("weight_map")?.Value : null;
            if (map == null || map.Kind != JsonKind.Object)
            {
                throw new CheckpointException($"{ModelFile.Display(indexPath)}: no \"weight_map\" object (tensor name -> shard file)");
            }
            var shards = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            foreach (var p in map.Properties)
            {
                var value = p.Value;
                string where = $"{ModelFile.Display(indexPath)}({value.Span.Line},{value.Span.Column})";
                if (value.Kind != JsonKind.String || value.Text.Length == 0 || value.Text.IndexOfAny(new[] { '/', '\\', ':' }) >= 0 || value.Text == "." || value.Text == "..")
                {
                    throw new CheckpointException($"{where}: the shard of \"{DisplayText.Of(p.Name)}\" must be a file name in the model folder");
                }
                if (!shards.TryGetValue(value.Text, out var shard))
                {
                    string shardPath = Path.Combine(folder, value.Text);
                    if (!File.Exists(shardPath))
                    {
                        throw new CheckpointException($"{where}: shard \"{DisplayText.Of(value.Text)}\" (of \"{DisplayText.Of(p.Name)}\") is not in {ModelFile.Display(folder)}");
                    }
                    shard = SafetensorsFile.Open(shardPath, allowed);
                    shards.Add(value.Text, shard);
                    files.Add(shard);
                }
                if (!shard.Tensors.ContainsKey(p.Name))
                {
                    throw new CheckpointException($"{where}: the index puts \"{DisplayText.Of(p.Name)}\" in {DisplayText.Of(value.Text)}, which does not hold it");
                }
                fileOf[p.Name] = shard;
            }
            foreach (var shard in files)
            {
                foreach (var name in shard.Tensors.Keys)
                {
                    if (!fileOf.TryGetValue(name, out var owner) || owner != shard)
                    {
                        throw new CheckpointException($"{shard.Path}: tensor \"{DisplayText.Of(name)}\" is not listed for this shard in {IndexFile}");
                    }
                }
            }
        }

        /// <summary>A checkpoint's JSON file (config, index, tokenizer) as text: a regular file inside
        /// <paramref name="allowedFolders"/> (none: anywhere) of at most <see cref="MaxJsonBytes"/>, strict
        /// UTF-8 (<see cref="ModelFile.ReadText"/>), each problem a <see cref="CheckpointException"/>.</summary>
        public static string ReadJsonFile(string path, params string[] allowedFolders)
        {
            try
            {
                return ModelFile.ReadText(path, Path.GetFileName(path), MaxJsonBytes, allowedFolders);
            }
            catch (ModelFileException e)
            {
                throw new CheckpointException(e.Message);
            }
        }

        private static bool SameShape(long[] a, long[] b)
        {
            if (a.Length != b.Length)
            {
                return false;
            }
            for (int k = 0; k < a.Length; k++)
            {
                if (a[k] != b[k])
                {
                    return false;
                }
            }
            return true;
        }

        public void Dispose()
        {
            foreach (var f in _files)
            {
                f.Dispose();
            }
        }
    }
}
