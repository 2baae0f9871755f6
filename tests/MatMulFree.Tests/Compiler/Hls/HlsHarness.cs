using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using MatMulFree.Compiler.Hls;
using MatMulFree.Runtime;
using Xunit;

namespace MatMulFree.Tests.Compiler.Hls
{
    /// <summary>Emits HLS projects for committed models and builds and runs their testbenches with gcc.</summary>
    internal static class HlsHarness
    {
        /// <summary>The strict flags docs/hls.md gives for C simulation (the optimization level apart).</summary>
        public const string StrictFlags = "-std=c99 -Wall -Wextra -Werror -ffp-contract=off";

        /// <summary>The strict flags at -O2, as the project's README builds the testbench.</summary>
        public const string GccFlags = StrictFlags + " -O2";

        public static HlsProjectResult Emit(string model, HlsOptions options, int steps = 20)
        {
            var generic = GenericModel.Load(TestData.Model(model));
            var tokens = GoldenLogits.Load(model).Tokens.Take(steps).ToArray();
            int vocab = generic.Architecture.Vocab;
            var logits = new float[tokens.Length * vocab];
            var state = generic.CreateState();
            for (int t = 0; t < tokens.Length; t++)
            {
                generic.Step(tokens[t], state, logits.AsSpan(t * vocab, vocab));
            }
            return HlsProject.Create(generic.Definition, options, new HlsTestVectors(tokens, logits));
        }

        public static string Write(HlsProjectResult project, string dir)
        {
            foreach (var file in project.Files)
            {
                string path = Path.Combine(dir, file.Key);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, file.Value);
            }
            return dir;
        }

        /// <summary>Builds the testbench as the folder's README says (at <paramref name="optimization"/>) and runs it:
        /// (exit code, output).</summary>
        public static (int Code, string Output) BuildAndRun(string dir, string top, string optimization = "-O2")
        {
            var build = Run("gcc", $"{StrictFlags} {optimization} -Ifirmware firmware/{top}.c tb/{top}_tb.c -o {top}_tb", dir);
            Assert.True(build.Code == 0, "gcc failed:\n" + build.Output);
            return Run(Path.Combine(dir, top + "_tb"), "", dir);
        }

        public static (int Code, string Output) Run(string file, string args, string dir)
        {
            var psi = new ProcessStartInfo(file, args) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, output + err.Result);
        }
    }
}
