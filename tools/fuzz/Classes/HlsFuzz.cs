using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;

namespace MatMulFree.Fuzz
{
    /// <summary>
    /// `mmf hls` with hostile model names (C meant to compile into the firmware behind comment
    /// closers, line splices and trigraphs) and random options (top names that are keywords or
    /// reserved, part names, folds, forms, token lists). A bad option is refused (exit code 1); an
    /// accepted project builds with gcc -Wall -Wextra -Werror, its testbench passes, and nothing of
    /// the name is left once comments are removed (gcc -E).
    /// </summary>
    public sealed class HlsFuzz : FuzzClass
    {
        private static readonly string[] Names =
        {
            "x*/ int fuzz_injected(void) { return 1; } /*", "x\n#define fuzz_injected 1\n", "x??/\nint fuzz_injected;", "x\\\nint fuzz_injected;",
            "\u2028*/fuzz_injected()\u2029", "\"fuzz_injected\"", "int", "main", "parameters", "block0", "mmf_kernels", "\u00e9\u00e9", "",
        };

        private static readonly string[] Tops = { "int", "main", "while", "parameters", "Parameters", "block1", "mmf_x", "__x", "_X", "2x", "a b", "a;b", "x\n", "\u00e9", "ok_top", "W_top", "weights_norms", "layer0_top", "t" + new string('x', 70) };
        private static readonly string[] Parts = { "xc7z020clg400-1", "xcu280-fsvh2892-2L-e", "x} ; exec touch A ;{", "a b", "-x", "", "$(touch A)", "x" + new string('y', 80) };
        private static readonly string[] Folds = { "8,16", "1,4", "3,16", "8,2", "0,0", "1024,1024", "8", "x,y", "-8,16" };
        private static readonly string[] Tokens = { "1,2,3", "0", "-1", "259", "1,,2", "99999999999", string.Join(",", Enumerable.Repeat("1", 70000)) };

        public override string Name => "hls";
        public override string Description => "mmf hls with C payloads in model names and random top, part, fold, form and token options; accepted projects built with gcc -Werror and run";
        public override int CiCount => 12;
        public override int FullCount => 400;

        public override Result Run(int index, Random random, string dir)
        {
            var root = JsonNode.Parse(File.ReadAllText(Repository.Model("micro-l2-h16")))!.AsObject();
            root["name"] = Names[random.Next(Names.Length)];
            string manifest = Path.Combine(dir, "m.mmf.json");
            File.WriteAllText(manifest, Mutations.Redigest(root.ToJsonString()));
            string output = Path.Combine(dir, "hls");
            var args = new List<string> { "hls", manifest, "-o", output };
            if (random.Next(2) == 0) args.AddRange(new[] { "--top", Tops[random.Next(Tops.Length)] });
            if (random.Next(3) == 0) args.AddRange(new[] { "--part", Parts[random.Next(Parts.Length)] });
            if (random.Next(3) == 0) args.AddRange(new[] { "--fold", Folds[random.Next(Folds.Length)] });
            if (random.Next(3) == 0) args.AddRange(new[] { "--form", new[] { "auto", "unrolled", "folded", "sideways" }[random.Next(4)] });
            if (random.Next(4) == 0) args.AddRange(new[] { "--tokens", Tokens[random.Next(Tokens.Length)] });
            var run = Cli.Mmf(args.ToArray());
            // A bad option is a usage error (1); a name the manifest may not have (the empty one) an input error (2).
            var result = Cli.Judge(run, new[] { 1, 2 });
            if (result.Outcome != Outcome.Accepted)
            {
                return result;
            }
            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "report.json")))!;
            string top = json["top"]!.GetValue<string>();
            var build = Run("gcc", output, "-std=c99", "-Wall", "-Wextra", "-Werror", "-ffp-contract=off", "-O1", "-Ifirmware", $"firmware/{top}.c", $"tb/{top}_tb.c", "-o", "testbench");
            if (build.Code != 0)
            {
                return new Result(Outcome.Crash, "the emitted C does not build: " + build.Output.Split('\n')[0]);
            }
            var tb = Run(Path.Combine(output, "testbench"), output);
            if (tb.Code != 0 || !tb.Output.Contains("PASS", StringComparison.Ordinal))
            {
                return new Result(Outcome.Crash, "the testbench does not pass: " + tb.Output.Split('\n')[0]);
            }
            var pre = Run("gcc", output, "-std=c99", "-E", "-P", "-Ifirmware", $"firmware/{top}.c", $"tb/{top}_tb.c");
            // The top function's name is made from the model's name (fuzz_injected_step is its letters, by design);
            // the marker as a token of its own is text that became C.
            if (System.Text.RegularExpressions.Regex.IsMatch(pre.Output, "\\bfuzz_injected\\b"))
            {
                return new Result(Outcome.Injection, "text of the model's name is C outside a comment");
            }
            return new Result(Outcome.Accepted);
        }

        private static (int Code, string Output) Run(string file, string dir, params string[] args)
        {
            var start = new ProcessStartInfo(file) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args) start.ArgumentList.Add(a);
            using var p = Process.Start(start)!;
            var err = p.StandardError.ReadToEndAsync();
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, output + err.Result);
        }
    }
}
