using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.IO;
using System.Text;
using MatMulFree.Compiler.Manifest;
using MatMulFree.Compiler.Model;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Checkpoints;
using MatMulFree.Runtime.Files;
using MatMulFree.Runtime.Tokenization;

namespace MatMulFree.Cli
{
    /// <summary>
    /// <c>mmf convert HF_FOLDER -o OUT.mmf.json</c>: a Hugging Face HGRN-Bit
    /// checkpoint (config.json, model.safetensors or sharded with an index; BF16,
    /// F16 or F32) and its tokenizer.json become a manifest. BitLinear weights are
    /// ternarized once (MODEL.md step 3). Big models keep their tensors in an
    /// external weights file beside the manifest. Both are written under temporary
    /// names beside their targets, read back and checked from there, and only then
    /// renamed into place, the weights file first (<see cref="AtomicFile"/>): a failed,
    /// killed or out-of-space conversion leaves a previous manifest and weights file
    /// as they were.
    /// </summary>
    internal static class ConvertCommand
    {
        /// <summary>With --weights auto, models whose tensors encode to more than this go external.</summary>
        public const long AutoExternalBytes = 64L << 20;

        /// <summary>In an external layout, tensors of at most this many bytes (norm weights) stay inline.</summary>
        public const long InlineTensorBytes = 64L << 10;

        public static Command Create(TextWriter stdout, TextWriter stderr)
        {
            var folder = new Argument<string>("folder") { Description = "Hugging Face model folder: config.json, model.safetensors (or shards + model.safetensors.index.json), tokenizer.json." };
            var output = new Option<string>("--out", "-o") { Description = "Manifest to write (.mmf.json).", Required = true };
            var name = new Option<string>("--name") { Description = "Model name in the manifest (default: the folder's name)." };
            var tokenizer = new Option<string>("--tokenizer") { Description = "tokenizer.json to copy into the manifest (default: the one in the folder)." };
            var weights = new Option<string>("--weights")
            {
                Description = "Where tensor data goes: inline (in the manifest), external (a .mmfw file beside it), or auto (external above 64 MiB).",
                DefaultValueFactory = _ => "auto",
            };
            weights.AcceptOnlyFromAmong("auto", "inline", "external");
            var command = new Command("convert", "Convert a Hugging Face HGRN-Bit checkpoint into a manifest (ternarizing its weights once).")
            {
                folder, output, name, tokenizer, weights,
            };
            command.SetAction(parse => CliErrors.Guard(stderr, () =>
            {
                string dir = parse.GetValue(folder)!;
                string outPath = parse.GetValue(output)!;
                string mode = parse.GetValue(weights)!;
                if (mode == "external")
                {
                    RequireManifestName(outPath, mode);
                }
                var clock = Stopwatch.StartNew();
                using var checkpoint = HuggingFaceCheckpoint.Open(dir);
                var a = checkpoint.Architecture;
                string? tokenizerOption = parse.GetValue(tokenizer);
                string tokenizerPath = tokenizerOption ?? Path.Combine(dir, "tokenizer.json");
                // The folder's own tokenizer.json may not be a link out of the folder; one named on the command line may be anywhere.
                var spec = ReadTokenizer(tokenizerPath, a, tokenizerOption == null ? HuggingFaceCheckpoint.AllowedFolders(dir) : Array.Empty<string>());
                string modelName = parse.GetValue(name) ?? new DirectoryInfo(Path.GetFullPath(dir)).Name;
                stdout.WriteLine($"{ModelFile.Display(dir)}: HGRN-Bit L={a.Layers} H={a.Hidden} I={a.Intermediate} V={a.Vocab} from {checkpoint.Files.Count} safetensors file(s); tokenizer {ModelFile.Display(tokenizerPath)} ({spec.Pieces.Count:N0} pieces, {spec.Merges.Count:N0} merges)");

                var bar = new ProgressBar(stderr, "converting", redraw: ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected);
                var model = CheckpointConverter.Convert(checkpoint, modelName, spec, bar.Report);
                long ternaryWeights = 0, nonZero = 0;
                foreach (var t in TensorInventory.Of(model))
                {
                    if (t.Ternary != null)
                    {
                        ternaryWeights += (long)t.Ternary.Rows * t.Ternary.Columns;
                        nonZero += t.Ternary.CountNonZero();
                    }
                }
                bool external = mode == "external" || (mode == "auto" && EncodedBytes(model) > AutoExternalBytes);
                if (external && mode == "auto")
                {
                    // (--weights external was checked before the conversion.)
                    RequireManifestName(outPath, mode);
                }
                string weightsPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(outPath))!, WeightsFileName(outPath));
                string digest = Write(model, outPath, external ? weightsPath : null);
                stdout.WriteLine($"wrote {ModelFile.Display(outPath)} ({new FileInfo(outPath).Length:N0} bytes)" + (external ? $" and {ModelFile.Display(weightsPath)} ({new FileInfo(weightsPath).Length:N0} bytes)" : ""));
                stdout.WriteLine($"{ternaryWeights:N0} ternary weights, {(double)nonZero / Math.Max(1, ternaryWeights):P1} non-zero; integrity {digest}; {clock.Elapsed.TotalSeconds:F1} s");
                return MmfCommand.Ok;
            }));
            return command;
        }

        /// <summary>The manifest, and the external weights file when <paramref name="weightsPath"/> is given, each
        /// staged beside its target, read back from there (the manifest, the weights file's size and SHA-256,
        /// and the integrity digest over everything), then put in place: the weights file first, the manifest
        /// last. Returns the checked digest.</summary>
        private static string Write(ModelDefinition model, string outPath, string? weightsPath)
        {
            AtomicFile.Staged? weights = null;
            AtomicFile.Staged? manifest = null;
            try
            {
                string text = "";
                if (weightsPath != null)
                {
                    weights = AtomicFile.Stage(weightsPath, stream =>
                    {
                        using var writer = new ExternalWeightsWriter(Path.GetFileName(weightsPath), stream, InlineTensorBytes);
                        text = ManifestWriter.Write(model, writer);
                    });
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
            catch (Exception e) when (e is IOException && !(e is ModelFileException) || e is UnauthorizedAccessException)
            {
                throw new OutputException($"{outPath}: {e.Message}", e);
            }
            finally
            {
                manifest?.Dispose();
                weights?.Dispose();
            }
        }

        private static TokenizerSpec ReadTokenizer(string path, Architecture a, string[] allowedFolders)
        {
            if (!File.Exists(path))
            {
                throw new CheckpointException($"{ModelFile.Display(path)}: no tokenizer.json (pass --tokenizer PATH; a Hugging Face tokenizer.json with a BPE model is needed)");
            }
            string text = HuggingFaceCheckpoint.ReadJsonFile(path, allowedFolders);
            var spec = TokenizerJson.ReadSpec(text, path, out int bos, out int eos);
            if (bos != a.Bos || eos != a.Eos)
            {
                throw new CheckpointException($"{path}: <s> is {bos} and </s> is {eos}, but config.json says bos_token_id {a.Bos} and eos_token_id {a.Eos}");
            }
            if (spec.Pieces.Count > a.Vocab)
            {
                throw new CheckpointException($"{path}: {spec.Pieces.Count:N0} pieces, more than the model's vocab_size {a.Vocab:N0}");
            }
            if (spec.Pieces.Count < a.Vocab)
            {
                // Ids the tokenizer never produces (a vocabulary padded for the embedding) stay unused.
                var pieces = new List<string?>(spec.Pieces);
                while (pieces.Count < a.Vocab)
                {
                    pieces.Add(null);
                }
                spec = new TokenizerSpec(spec.Kind, spec.ByteOffset, spec.SpecialTokens, pieces, spec.Merges, spec.Unk);
            }
            return spec;
        }

        /// <summary>NAME.mmf.json and NAME.mmfw go together, one to one (and so the build targets find the file):
        /// another name could make two manifests share, and overwrite, one weights file.</summary>
        private static void RequireManifestName(string outPath, string mode)
        {
            if (!Path.GetFileName(outPath).EndsWith(ManifestSuffix, StringComparison.Ordinal))
            {
                throw new UsageException($"-o {ModelFile.Display(outPath)}: a model whose tensors go to an external weights file is written as NAME{ManifestSuffix}, with NAME.mmfw beside it" +
                    (mode == "auto" ? $" (its tensors are more than {AutoExternalBytes >> 20} MiB; --weights inline keeps them in the manifest)" : ""));
            }
        }

        /// <summary>What the name of a manifest with an external weights file ends with.</summary>
        public const string ManifestSuffix = ".mmf.json";

        /// <summary>"out/model.mmf.json" -> "model.mmfw", beside the manifest (one weights file per manifest name).</summary>
        public static string WeightsFileName(string manifestPath)
        {
            string file = Path.GetFileName(manifestPath);
            return (file.EndsWith(ManifestSuffix, StringComparison.Ordinal) ? file.Substring(0, file.Length - ManifestSuffix.Length) : file) + ".mmfw";
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
