using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using MatMulFree.Compiler.Hls;
using MatMulFree.Compiler.Planning;
using MatMulFree.Model;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Files;
using MatMulFree.Runtime.Tokenization;

namespace MatMulFree.Cli
{
    /// <summary><c>mmf hls MANIFEST -o DIR</c>: emits the model as a Vitis HLS project folder
    /// (docs/hls.md) with a testbench whose expected logits come from the generic runtime.</summary>
    internal static class HlsCommand
    {
        public const string DefaultPrompt = "The MatMul-free LM on an FPGA.";

        /// <summary>Logits the testbench compares at most (tokens x vocabulary): 16 Mi, about 150 MB of tb_data.</summary>
        public const long MaxTestLogits = 1L << 24;

        public static Command Create(TextWriter stdout, TextWriter stderr)
        {
            var manifest = ManifestArgument.Create();
            var output = new Option<string>("--output", "-o") { Description = "Folder to write the HLS project into (created if missing).", Required = true };
            var top = new Option<string>("--top") { Description = "Name of the top function (default: from the model's name)." };
            var part = new Option<string>("--part") { Description = "FPGA part for Vitis HLS.", DefaultValueFactory = _ => new HlsOptions().Part };
            var clock = new Option<double>("--clock-ns") { Description = "Clock period in ns.", DefaultValueFactory = _ => new HlsOptions().ClockNs };
            var fold = new Option<string>("--fold") { Description = "Folding of folded layers as PE,SIMD (powers of two; SIMD >= 4).", DefaultValueFactory = _ => "8,16" };
            var unrollLimit = new Option<long>("--unroll-limit") { Description = "Auto form: layers with more unrolled terms than this are folded.", DefaultValueFactory = _ => new HlsOptions().UnrollLimit };
            var form = new Option<string>("--form") { Description = "Form of every layer: auto, unrolled or folded.", DefaultValueFactory = _ => "auto" };
            form.AcceptOnlyFromAmong("auto", "unrolled", "folded");
            var layerForm = new Option<string[]>("--layer-form") { Description = "Form of one layer, e.g. model.layers.0.mlp.gate_proj=folded (repeatable)." };
            var tokens = new Option<string>("--tokens") { Description = "Token ids for the testbench (default: BOS and the bytes of a sentence)." };
            var command = new Command("hls", "Emit the model as an FPGA high-level-synthesis project (C, testbench, build.tcl, report).")
            {
                manifest, output, top, part, clock, fold, unrollLimit, form, layerForm, tokens,
            };
            command.SetAction(parse => CliErrors.Guard(stderr, () =>
            {
                var options = new HlsOptions
                {
                    Top = parse.GetValue(top) ?? "",
                    Part = parse.GetValue(part)!,
                    ClockNs = parse.GetValue(clock),
                    UnrollLimit = parse.GetValue(unrollLimit),
                    Form = ParseForm(parse.GetValue(form)!, "--form"),
                };
                (options.Pe, options.Simd) = ParseFold(parse.GetValue(fold)!);
                foreach (var item in parse.GetValue(layerForm) ?? Array.Empty<string>())
                {
                    int eq = item.LastIndexOf('=');
                    if (eq <= 0)
                    {
                        throw new UsageException($"--layer-form: \"{item}\" is not NAME=FORM");
                    }
                    if (ParseForm(item.Substring(eq + 1), "--layer-form") is ProductForm layer)
                    {
                        options.LayerForms[item.Substring(0, eq)] = layer;
                    }
                    else
                    {
                        options.LayerForms.Remove(item.Substring(0, eq));
                    }
                }
                string? problem = options.Validate();
                if (problem != null)
                {
                    throw new UsageException(problem);
                }

                var model = new GenericModel(ManifestLoader.Load(parse.GetValue(manifest)!));
                var known = new HashSet<string>();
                foreach (var w in model.Definition.BitLinears()) known.Add(w.Name);
                foreach (var name in options.LayerForms.Keys)
                {
                    if (!known.Contains(name))
                    {
                        throw new UsageException($"--layer-form: the model has no BitLinear \"{name}\" (e.g. model.layers.0.attn.i_proj, lm_head)");
                    }
                }
                var ids = parse.GetValue(tokens) is string list
                    ? TokenList.Parse(list, model.Architecture.Vocab)
                    : TokenizerFactory.Create(model.Tokenizer, model.Architecture).Encode(DefaultPrompt, addBos: true);
                if ((long)ids.Length * model.Architecture.Vocab > MaxTestLogits)
                {
                    throw new UsageException($"--tokens: {ids.Length:N0} tokens of a {model.Architecture.Vocab:N0}-token vocabulary are more than the {MaxTestLogits:N0} logits a testbench compares; give fewer tokens");
                }
                var vectors = new HlsTestVectors(ids, ExpectedLogits(model, ids));
                var project = HlsProject.Create(model.Definition, options, vectors);
                string dir = parse.GetValue(output)!;
                Write(project, dir);
                stdout.Write(project.Report.ToMarkdown());
                stdout.WriteLine();
                stdout.WriteLine($"wrote {project.Files.Count} files to {ModelFile.Display(dir)}; C simulation: see {ModelFile.Display(Path.Combine(dir, "README.md"))}");
                return MmfCommand.Ok;
            }));
            return command;
        }

        /// <summary>The logits of every step from a fresh state, as the testbench's expectation.</summary>
        private static float[] ExpectedLogits(GenericModel model, int[] ids)
        {
            int vocab = model.Architecture.Vocab;
            var all = new float[ids.Length * vocab];
            var state = model.CreateState();
            for (int t = 0; t < ids.Length; t++)
            {
                model.Step(ids[t], state, all.AsSpan(t * vocab, vocab));
            }
            return all;
        }

        private static void Write(HlsProjectResult project, string dir)
        {
            try
            {
                foreach (var file in project.Files)
                {
                    // Each file is written beside its target and renamed into place when complete.
                    AtomicFile.WriteAllText(Path.Combine(dir, file.Key.Replace('/', Path.DirectorySeparatorChar)), file.Value);
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new OutputException($"{dir}: {e.Message}", e);
            }
        }

        /// <summary>null for auto: the planner chooses.</summary>
        private static ProductForm? ParseForm(string text, string option) => text switch
        {
            "auto" => null,
            "unrolled" => ProductForm.Unrolled,
            "folded" => ProductForm.Folded,
            _ => throw new UsageException($"{option}: \"{text}\" is not auto, unrolled or folded"),
        };

        private static (int, int) ParseFold(string text)
        {
            var parts = text.Split(',');
            if (parts.Length != 2
                || !int.TryParse(parts[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int pe)
                || !int.TryParse(parts[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int simd))
            {
                throw new UsageException($"--fold: \"{text}\" is not PE,SIMD (two whole numbers)");
            }
            return (pe, simd);
        }
    }
}
