using System;
using System.Linq;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.IO;
using System.Text;
using MatMulFree.Conversion;
using MatMulFree.Model;
using MatMulFree.Model.Manifest;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Files;
using MatMulFree.Runtime.Tokenization;

namespace MatMulFree.Cli
{
    /// <summary>
    /// <c>mmf convert HF_FOLDER -o OUT.mmf.json</c>: a Hugging Face HGRN-Bit
    /// checkpoint (config.json, model.safetensors or sharded with an index; BF16,
    /// F16 or F32) and its tokenizer.json become a manifest, by MatMulFree.Conversion:
    /// BitLinear weights ternarized once (docs/model.md step 3; <see cref="CheckpointConverter"/>),
    /// big models' tensors in an external weights file, both files written and checked
    /// before they replace anything (<see cref="ConversionOutput"/>). This command parses
    /// options and reports.
    /// </summary>
    internal static class ConvertCommand
    {
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
                var placement = parse.GetValue(weights) switch
                {
                    "inline" => WeightsPlacement.Inline,
                    "external" => WeightsPlacement.External,
                    _ => WeightsPlacement.Auto,
                };
                if (placement == WeightsPlacement.External)
                {
                    RequireManifestName(outPath, placement);
                }
                var clock = Stopwatch.StartNew();
                using var checkpoint = HuggingFaceCheckpoint.Open(dir);
                var a = checkpoint.Architecture;
                string? tokenizerOption = parse.GetValue(tokenizer);
                string tokenizerPath = tokenizerOption ?? Path.Combine(dir, "tokenizer.json");
                // The folder's own tokenizer.json may not be a link out of the folder; one named on the command line may be anywhere.
                var spec = CheckpointTokenizer.Read(tokenizerPath, a, tokenizerOption == null ? HuggingFaceCheckpoint.AllowedFolders(dir) : Array.Empty<string>());
                string modelName = parse.GetValue(name) ?? new DirectoryInfo(Path.GetFullPath(dir)).Name;
                stdout.WriteLine($"{ModelFile.Display(dir)}: HGRN-Bit L={a.Layers} H={a.Hidden} I={a.Intermediate} V={a.Vocab} from {checkpoint.Files.Count} safetensors file(s); tokenizer {ModelFile.Display(tokenizerPath)} ({spec.Pieces.Count(piece => piece != null):N0} pieces, {spec.Merges.Count:N0} merges)");

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
                bool external = ConversionOutput.IsExternal(model, placement);
                if (external && placement == WeightsPlacement.Auto)
                {
                    // (--weights external was checked before the conversion.)
                    RequireManifestName(outPath, placement);
                }
                string weightsPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(outPath))!, ConversionOutput.WeightsFileName(outPath));
                string digest;
                bool weightsWritten;
                try
                {
                    digest = ConversionOutput.Write(model, outPath, external ? weightsPath : null, out weightsWritten);
                }
                catch (Exception e) when (e is IOException && !(e is ModelFileException) || e is UnauthorizedAccessException)
                {
                    throw new OutputException($"{outPath}: {e.Message}", e);
                }
                stdout.WriteLine($"wrote {ModelFile.Display(outPath)} ({new FileInfo(outPath).Length:N0} bytes)" + (weightsWritten ? $" and {ModelFile.Display(weightsPath)} ({new FileInfo(weightsPath).Length:N0} bytes)" : ""));
                if (external && !weightsWritten)
                {
                    stdout.WriteLine($"every tensor is within {ConversionOutput.InlineTensorBytes:N0} bytes, so all stay in the manifest: no weights file written");
                }
                stdout.WriteLine($"{ternaryWeights:N0} ternary weights, {(double)nonZero / Math.Max(1, ternaryWeights):P1} non-zero; integrity {digest}; {clock.Elapsed.TotalSeconds:F1} s");
                return MmfCommand.Ok;
            }));
            return command;
        }

        private static void RequireManifestName(string outPath, WeightsPlacement placement)
        {
            if (ConversionOutput.NameProblem(outPath, placement) is string problem)
            {
                throw new UsageException(problem);
            }
        }
    }
}
