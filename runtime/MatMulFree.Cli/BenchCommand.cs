using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.Intrinsics.X86;
using System.Text;
using System.Text.Json;
using MatMulFree.Benchmarking;
using MatMulFree.Cli.Bench;
using MatMulFree.Model.Text;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Files;
using MatMulFree.Runtime.Kernels;

namespace MatMulFree.Cli
{
    /// <summary><c>mmf bench</c>: ternary kernels at the layer shapes of the released checkpoints and
    /// whole-model decode speed, as tables (docs/performance.md). Never a pass/fail test.</summary>
    internal static class BenchCommand
    {
        public const string DefaultShapes = "64x64,512x64,1024x1024,2816x1024,1024x2816,2048x2048,5632x2048,2048x5632,32000x2048";

        public static Command Create(TextWriter stdout, TextWriter stderr)
        {
            var shapes = new Option<string>("--shapes") { Description = "Matrix shapes ROWSxCOLUMNS (outputs x inputs), comma-separated, or none.", DefaultValueFactory = _ => DefaultShapes };
            var models = new Option<string[]>("--model") { Description = "Also time this manifest on the generic runtime: decode, prefill, sessions stepping together (repeatable)." };
            var modelTime = new Option<double>("--model-time-ms") { Description = "Minimum measuring time per model configuration (at least 3 rounds of every measurement).", DefaultValueFactory = _ => 5000 };
            var threads = ThreadsOption.Create("Threads for the multi-threaded rows (default: all cores).");
            var minTime = new Option<double>("--min-time-ms") { Description = "Minimum measuring time per kernel and shape.", DefaultValueFactory = _ => 300 };
            var modelKernels = new Option<string>("--model-kernels")
            {
                Description = "Model configurations: all, or packed (skips the int8 one, whose 1 byte per weight would dominate peak memory).",
                DefaultValueFactory = _ => "all",
            };
            modelKernels.AcceptOnlyFromAmong("all", "packed");
            var csv = new Option<string>("--csv") { Description = "Write the kernel table as CSV here." };
            var json = new Option<string>("--json") { Description = "Write all results as JSON here." };
            var svg = new Option<string>("--svg") { Description = "Write a chart (SVG: each kernel's time over its streaming read, per shape) here." };
            var command = new Command("bench", "Benchmark ternary kernels and whole models (decode, prefill, sessions); prints tables.")
            {
                shapes, models, modelTime, threads, minTime, modelKernels, csv, json, svg,
            };
            command.SetAction(parse => CliErrors.Guard(stderr, () =>
            {
                int t = ThreadsOption.Get(parse, threads);
                string shapeList = parse.GetValue(shapes)!;
                var parsed = shapeList == "none" ? new List<(int, int)>() : ParseShapes(shapeList);
                var definitions = (parse.GetValue(models) ?? Array.Empty<string>()).Select(ManifestLoader.Load).ToList();
                stdout.WriteLine(Machine(t));
                stdout.WriteLine();
                // Models first, so the peak resident memory they report is theirs, not the kernel buffers'.
                var decode = new List<ModelResult>();
                foreach (var d in definitions)
                {
                    decode.AddRange(ModelBench.Run(d, t, parse.GetValue(modelTime), parse.GetValue(modelKernels) == "packed", stderr));
                }
                var kernels = new List<KernelResult>();
                using (var workers = new RowWorkers(t))
                {
                    foreach (var (rows, columns) in parsed)
                    {
                        kernels.AddRange(KernelBench.Run(rows, columns, t, parse.GetValue(minTime), workers));
                    }
                }
                if (kernels.Count > 0)
                {
                    stdout.WriteLine(KernelTable(kernels));
                    stdout.WriteLine();
                }
                if (decode.Count > 0)
                {
                    stdout.WriteLine(ModelTable(decode));
                }
                Write(parse.GetValue(csv), () => Csv(kernels));
                Write(parse.GetValue(json), () => Json(t, kernels, decode));
                Write(parse.GetValue(svg), () => Chart(kernels));
                return MmfCommand.Ok;
            }));
            return command;
        }

        private static void Write(string? path, Func<string> content)
        {
            if (path == null)
            {
                return;
            }
            try
            {
                AtomicFile.WriteAllText(path, content());
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new OutputException($"{path}: {e.Message}", e);
            }
        }

        private static List<(int, int)> ParseShapes(string text)
        {
            var list = new List<(int, int)>();
            foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = item.Trim().Split('x');
                if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int r)
                    || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int c) || r < 1 || c < 1 || (long)r * c > (1L << 31))
                {
                    throw new UsageException($"--shapes: \"{item}\" is not ROWSxCOLUMNS with at most 2^31 weights");
                }
                list.Add((r, c));
            }
            if (list.Count == 0)
            {
                throw new UsageException("--shapes: no shape given");
            }
            return list;
        }

        public static string Machine(int threads)
        {
            string cpu = "unknown CPU";
            try
            {
                cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
            }
            catch (IOException)
            {
            }
            return $"machine: {cpu}, {Environment.ProcessorCount} cores, .NET {Environment.Version}, AVX-512BW {Avx512BW.IsSupported}, AVX2 {Avx2.IsSupported}; " +
                   $"packed kernel path {PackedTernaryKernel.Best}; {threads} threads for the multi-threaded rows";
        }

        private static string KernelTable(List<KernelResult> rows)
        {
            var c = CultureInfo.InvariantCulture;
            var sb = new StringBuilder();
            sb.AppendLine("| shape (out x in) | kernel | weight bytes | median us/call | GB/s of weights | its stream read, us (alternated) | x stream-read time |");
            sb.AppendLine("|---|---|---:|---:|---:|---:|---:|");
            foreach (var r in rows)
            {
                sb.AppendLine(string.Format(c, "| {0} | {1} | {2:N0} | {3:F2} | {4:F1} | {5:F2} | {6:F2} |", r.Shape, r.Kernel, r.Bytes, r.MedianMicroseconds, r.GigabytesPerSecond, r.BoundMicroseconds, r.RatioToBound));
            }
            return sb.ToString().TrimEnd();
        }

        private static string ModelTable(List<ModelResult> rows)
        {
            var c = CultureInfo.InvariantCulture;
            string F(Figure f) => string.Format(c, "{0:N0} ({1:N0}-{2:N0})", f.Median, f.Low, f.High);
            var sb = new StringBuilder();
            sb.Append("| model | configuration | threads | decode tokens/s |");
            foreach (int p in ModelBench.PromptLengths) sb.Append(c, $" prefill {p} tokens, tokens/s |");
            sb.Append(c, $" first token after {ModelBench.PromptLengths[^1]}, ms |");
            foreach (int s in ModelBench.SessionCounts) sb.Append(c, $" {s} session{(s == 1 ? "" : "s")}, tokens/s in all |");
            sb.AppendLine(c, $" prefill {ModelBench.PromptLengths[^1]} / decode | {ModelBench.SessionCounts[^1]} sessions / decode | batch scratch | peak RSS so far |");
            sb.Append("|---|---|---:|---:|");
            foreach (var _ in ModelBench.PromptLengths) sb.Append("---:|");
            sb.Append("---:|");
            foreach (var _ in ModelBench.SessionCounts) sb.Append("---:|");
            sb.AppendLine("---:|---:|---:|---:|");
            foreach (var r in rows)
            {
                sb.Append(c, $"| {r.Model} | {r.Configuration} | {r.Threads} | {F(r.Decode)} |");
                foreach (var f in r.Prefill) sb.Append(c, $" {F(f)} |");
                // Milliseconds to 3 significant digits or whole: 0.62 (0.61-0.64) for small models, 1,416 for large.
                string ms = r.FirstTokenMilliseconds.Median < 100 ? "G3" : "N0";
                var first = r.FirstTokenMilliseconds;
                sb.Append(c, $" {first.Median.ToString(ms, c)} ({first.Low.ToString(ms, c)}-{first.High.ToString(ms, c)}) |");
                foreach (var f in r.Sessions) sb.Append(c, $" {F(f)} |");
                sb.AppendLine(string.Format(c, " {0:F2}x | {1:F2}x | {2:N1} MiB | {3:N0} MiB |", r.PrefillOverDecode, r.SessionsOverDecode, r.BatchBytes / 1048576.0, r.PeakResidentBytes >> 20));
            }
            sb.Append(c, $"Medians of at least 3 rounds (range of the samples in brackets), every measurement of a configuration sampled in turn; each sample at least {ModelBench.SampleMilliseconds} ms.");
            return sb.ToString();
        }

        private static string Csv(List<KernelResult> rows)
        {
            var c = CultureInfo.InvariantCulture;
            var sb = new StringBuilder("rows,columns,kernel,weight_bytes,median_us,gb_per_s,stream_us,ratio_to_stream\n");
            foreach (var r in rows)
            {
                sb.AppendLine(string.Format(c, "{0},{1},\"{2}\",{3},{4:R},{5:R},{6:R},{7:R}", r.Rows, r.Columns, r.Kernel, r.Bytes, r.MedianMicroseconds, r.GigabytesPerSecond, r.BoundMicroseconds, r.RatioToBound));
            }
            return sb.ToString();
        }

        private static string Json(int threads, List<KernelResult> kernels, List<ModelResult> models)
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                w.WriteStartObject();
                w.WriteString("machine", Machine(threads));
                w.WriteStartArray("kernels");
                foreach (var r in kernels)
                {
                    w.WriteStartObject();
                    w.WriteNumber("rows", r.Rows);
                    w.WriteNumber("columns", r.Columns);
                    w.WriteString("kernel", r.Kernel);
                    w.WriteNumber("weight_bytes", r.Bytes);
                    Number(w, "median_us", r.MedianMicroseconds);
                    Number(w, "gb_per_s", r.GigabytesPerSecond);
                    Number(w, "stream_us", r.BoundMicroseconds);
                    Number(w, "ratio_to_stream", r.RatioToBound);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteStartArray("models");
                foreach (var r in models)
                {
                    w.WriteStartObject();
                    w.WriteString("model", r.Model);
                    w.WriteString("configuration", r.Configuration);
                    w.WriteNumber("threads", r.Threads);
                    w.WriteNumber("rounds", r.Rounds);
                    Figure(w, "decode_tokens_per_second", r.Decode);
                    for (int p = 0; p < r.Prefill.Length; p++) Figure(w, $"prefill_{ModelBench.PromptLengths[p]}_tokens_per_second", r.Prefill[p]);
                    Figure(w, $"first_token_after_{ModelBench.PromptLengths[^1]}_ms", r.FirstTokenMilliseconds);
                    for (int s = 0; s < r.Sessions.Length; s++) Figure(w, $"sessions_{ModelBench.SessionCounts[s]}_tokens_per_second", r.Sessions[s]);
                    Number(w, "prefill_over_decode", r.PrefillOverDecode);
                    Number(w, "sessions_over_decode", r.SessionsOverDecode);
                    w.WriteNumber("batch_scratch_bytes", r.BatchBytes);
                    w.WriteNumber("peak_rss_bytes", r.PeakResidentBytes);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            return Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
        }

        /// <summary>A figure as {"median", "low", "high"}.</summary>
        private static void Figure(Utf8JsonWriter w, string name, Figure f)
        {
            w.WriteStartObject(name);
            Number(w, "median", f.Median);
            Number(w, "low", f.Low);
            Number(w, "high", f.High);
            w.WriteEndObject();
        }

        /// <summary>A measurement, or null where it is not a finite number (JSON has no NaN or infinity).</summary>
        private static void Number(Utf8JsonWriter w, string name, double value)
        {
            if (double.IsFinite(value))
            {
                w.WriteNumber(name, value);
            }
            else
            {
                w.WriteNull(name);
            }
        }

        /// <summary>Grouped bars: each kernel's time over the streaming read it was timed with (1 = bandwidth bound), per shape.</summary>
        private static string Chart(List<KernelResult> rows)
        {
            var shapes = rows.Select(r => r.Shape).Distinct().ToList();
            var kernels = rows.Select(r => r.Kernel).Distinct().ToList();
            var values = shapes.Select(shape => (IReadOnlyList<double?>)kernels
                .Select(kernel => rows.FirstOrDefault(r => r.Shape == shape && r.Kernel == kernel)?.RatioToBound).ToList()).ToList();
            return BarChart.Svg("Time per call / time of a streaming read of the 2-bit weights on as many threads, timed alternately (lower is better; 1 = the bandwidth bound)",
                shapes, kernels, values, "x the streaming read", cap: 8);
        }
    }
}
