using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using MatMulFree.Cli;
using MatMulFree.Runtime;
using Xunit;

namespace MatMulFree.Tests.Cli
{
    /// <summary>The mmf commands, run in process: output, exit codes, and error messages on bad input.</summary>
    public sealed class CliTests : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("mmf-cli-").FullName;

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        private string Write(string name, string text)
        {
            string path = Path.Combine(_dir, name);
            File.WriteAllText(path, text);
            return path;
        }

        [Fact]
        public void Inspect_counts_adder_sharing_of_every_layer_whatever_form_the_manifest_asks()
        {
            // The manifest's "kernels" keep lm_head packed for the planner; what inspect reports is what
            // adder sharing would make of each layer, so it is the same with and without that entry.
            string plain = Write("plain.mmf.json", BpeManifest.Text());
            string packed = Write("packed.mmf.json", BpeManifest.Text(r => r["kernels"] = new System.Text.Json.Nodes.JsonObject { ["lm_head"] = "packed" }));
            var a = MmfRunner.Run("inspect", plain);
            var b = MmfRunner.Run("inspect", packed);
            Assert.Equal(0, a.Code);
            Assert.Equal(0, b.Code);
            string Additions(string text) => text.Split('\n').Single(l => l.StartsWith("additions", StringComparison.Ordinal));
            string LmHead(string text) => text.Split('\n').Single(l => l.StartsWith("lm_head.weight", StringComparison.Ordinal));
            Assert.Equal(Additions(a.Out), Additions(b.Out));
            Assert.Equal(LmHead(a.Out), LmHead(b.Out));
            Assert.Matches(@"\d+ with adder sharing \(\d", Additions(b.Out));
        }

        [Fact]
        public void Version_is_the_one_version_every_package_has()
        {
            // As a process: in process, the option reports the test host's version (the entry assembly).
            string mmf = typeof(MatMulFree.Cli.MmfCommand).Assembly.Location;
            var r = MatMulFree.Tests.Compiler.Hls.HlsHarness.Run("dotnet", $"\"{mmf}\" --version", Path.GetDirectoryName(mmf)!);
            Assert.True(r.Code == 0, r.Output);
            // Directory.Build.props sets one version for every assembly and package; the build may add "+commit".
            string runtime = typeof(MatMulFree.Runtime.GenericModel).Assembly
                .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
                .Cast<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion;
            Assert.Equal(runtime, r.Output.Trim());
            Assert.Matches(@"^\d+\.\d+\.\d+", r.Output.Trim());
        }

        [Fact]
        public void Inspect_describes_the_model()
        {
            var r = MmfRunner.Run("inspect", TestData.Model("tiny-l3-h96"));
            Assert.Equal(0, r.Code);
            Assert.Contains("hgrn-bit: 3 layers, hidden 96, intermediate 160, vocab 259", r.Out);
            Assert.Contains("model.layers.2.mlp.down_proj.weight", r.Out);
            Assert.Contains("[96, 160]", r.Out);
            Assert.Contains("(verified)", r.Out);
            Assert.Equal("", r.Err);
        }

        [Fact]
        public void Inspect_shows_fewer_additions_than_non_zeros_on_every_layer_after_sharing()
        {
            var r = MmfRunner.Run("inspect", TestData.Model("tiny-l2-h64"));
            Assert.Equal(0, r.Code);
            Assert.Contains("additions      100,078 per token as plain row sums, 43,028 with adder sharing", r.Out);
            int layers = 0;
            foreach (var line in r.Out.Split('\n').Where(l => l.Contains(" ternary ") && l.StartsWith("model.") || l.StartsWith("lm_head.weight")))
            {
                var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                long nonZero = long.Parse(columns[Array.IndexOf(columns, "ternary") + 1], NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
                long shared = long.Parse(columns[^1], NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
                Assert.True(shared < nonZero, line);
                layers++;
            }
            Assert.Equal(13, layers);
        }

        [Fact]
        public void Logits_writes_steps_by_vocab_float32_equal_to_the_runtime()
        {
            string output = Path.Combine(_dir, "logits.f32");
            var r = MmfRunner.Run("logits", TestData.Model("tiny-l2-h64"), "--tokens", "1, 75,258", "--out", output);
            Assert.Equal(0, r.Code);
            var bytes = File.ReadAllBytes(output);
            Assert.Equal(3 * 259 * 4, bytes.Length);
            var model = GenericModel.Load(TestData.Model("tiny-l2-h64"));
            var state = model.CreateState();
            var logits = new float[259];
            foreach (var (token, step) in new[] { (1, 0), (75, 1), (258, 2) })
            {
                model.Step(token, state, logits);
                Assert.Equal(MemoryMarshal.AsBytes(logits.AsSpan()).ToArray(), bytes.AsSpan(step * 259 * 4, 259 * 4).ToArray());
            }
        }

        [Fact]
        public void Generate_streams_text_and_is_reproducible_with_a_seed()
        {
            string[] args = { "generate", TestData.Model("tiny-l2-h64"), "--prompt", "Hi", "--max-tokens", "20", "--seed", "5", "--top-k", "40" };
            var a = MmfRunner.Run(args);
            var b = MmfRunner.Run(args);
            Assert.Equal(0, a.Code);
            Assert.Equal(a.Out, b.Out);
            Assert.Contains("generated", a.Err);
            var single = MmfRunner.Run(args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7], args[8], args[9], "--threads", "1");
            Assert.Equal(a.Out, single.Out); // the default (all cores) and one thread give the same text
        }

        [Fact]
        public void Generate_reads_the_prompt_from_stdin_when_piped_or_with_a_dash()
        {
            string model = TestData.Model("tiny-l2-h64");
            string[] greedy = { "--max-tokens", "12", "--temperature", "0", "--echo" };
            var given = MmfRunner.Run(new[] { "generate", model, "--prompt", "The jury said" }.Concat(greedy).ToArray());
            Assert.Equal(0, given.Code);
            Assert.StartsWith("The jury said", given.Out);
            // Piped (as `echo "The jury said" | mmf generate M`: the final line break is dropped), and with --prompt -.
            var piped = MmfRunner.RunPiped("The jury said\n", new[] { "generate", model }.Concat(greedy).ToArray());
            var dash = MmfRunner.RunPiped("The jury said\r\n", new[] { "generate", model, "--prompt", "-" }.Concat(greedy).ToArray());
            Assert.Equal(given.Out, piped.Out);
            Assert.Equal(given.Out, dash.Out);
            Assert.DoesNotContain("no prompt", piped.Err);
            // --prompt TEXT wins over piped text.
            Assert.Equal(given.Out, MmfRunner.RunPiped("other text", new[] { "generate", model, "--prompt", "The jury said" }.Concat(greedy).ToArray()).Out);
            // Neither: it says so, and generates from the start.
            var none = MmfRunner.Run(new[] { "generate", model }.Concat(greedy).ToArray());
            Assert.Equal(0, none.Code);
            Assert.Contains("no prompt (--prompt TEXT, --prompt -, or text piped to stdin)", none.Err);
            // --prompt - with nothing piped is a usage error that says how.
            var dashAlone = MmfRunner.Run("generate", model, "--prompt", "-");
            Assert.Equal(MmfCommand.UsageError, dashAlone.Code);
            Assert.Contains("nothing is piped to stdin", dashAlone.Err);
        }

        [Fact]
        public async System.Threading.Tasks.Task Chat_keeps_the_conversation_in_the_session_and_reset_starts_over()
        {
            string model = TestData.Root + "/samples/models/brown-l4-h128.mmf.json";
            var r = MmfRunner.RunPiped("What did the jury say?\nAnd what did the judge say?\n/reset\nWhat did the jury say?\n",
                "chat", model, "--temperature", "0", "--max-tokens", "30", "--threads", "1");
            Assert.True(r.Code == 0, r.Err);
            Assert.Contains("/reset starts over", r.Err);
            Assert.Contains("(the conversation starts over)", r.Err);
            // stdout: "> " before each line read, then the answer and a line break; the end of input ends it.
            Assert.StartsWith("> ", r.Out);
            // After /reset no answer is written, so the next marker follows on the same line ("> > ").
            var answers = r.Out.Substring(2).Split("\n> ");
            Assert.Equal(4, answers.Length); // three answers and the last marker's empty rest
            string first = answers[0], second = answers[1];
            Assert.Equal("> " + first, answers[2]);
            Assert.Equal("", answers[3]);
            // The second answer continues the conversation held in the state: the same as a fresh request with the
            // whole conversation written out (IChatClient, the same template), greedy both.
            using var client = new MatMulFree.AI.MatMulFreeChatClient(GenericModel.Load(model));
            var whole = await client.GetResponseAsync(new[]
            {
                new Microsoft.Extensions.AI.ChatMessage(Microsoft.Extensions.AI.ChatRole.User, "What did the jury say?"),
                new Microsoft.Extensions.AI.ChatMessage(Microsoft.Extensions.AI.ChatRole.Assistant, first),
                new Microsoft.Extensions.AI.ChatMessage(Microsoft.Extensions.AI.ChatRole.User, "And what did the judge say?"),
            }, new Microsoft.Extensions.AI.ChatOptions { Temperature = 0, MaxOutputTokens = 30 });
            Assert.Equal(whole.Text, second);
        }

        [Fact]
        public void Threads_help_states_its_default_once()
        {
            foreach (var command in new[] { "generate", "bench" })
            {
                var help = MmfRunner.Run(command, "--help").Out;
                var line = help.Split('\n').Single(l => l.TrimStart().StartsWith("--threads", StringComparison.Ordinal));
                Assert.Contains("(default: all cores", line);
                Assert.DoesNotContain("[default:", line);
            }
        }

        [Fact]
        public void A_piped_prompt_longer_than_the_limit_is_refused_without_reading_it_all()
        {
            var huge = new string('a', (1 << 24) + 1); // GenerateCommand.MaxPipedPromptChars + 1
            var r = MmfRunner.RunPiped(huge, "generate", TestData.Model("micro-l2-h16"), "--max-tokens", "1");
            Assert.Equal(MmfCommand.UsageError, r.Code);
            Assert.Contains("the prompt on stdin is longer than 16,777,216 characters", r.Err);
        }

        [Fact]
        public void Missing_manifest_is_exit_code_2_with_the_path()
        {
            var r = MmfRunner.Run("generate", Path.Combine(_dir, "nope.mmf.json"), "--prompt", "x");
            Assert.Equal(MmfCommand.InputError, r.Code);
            Assert.Contains("nope.mmf.json: not found", r.Err);
            Assert.DoesNotContain("   at ", r.Err);
        }

        [Theory]
        [InlineData(" ", "unexpected end")]
        [InlineData("\u0001\u0002garbage", "unexpected character")]
        [InlineData("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "nesting")]
        [InlineData("{\"format\": \"matmulfree-manifest\", \"version\": 1}", "missing property \"name\"")]
        public void Hostile_manifests_give_a_located_message_and_exit_code_2(string text, string message)
        {
            string path = Write("bad.mmf.json", text);
            var r = MmfRunner.Run("inspect", path);
            Assert.Equal(MmfCommand.InputError, r.Code);
            Assert.Contains(path + "(1,", r.Err);
            Assert.Contains(message, r.Err);
            Assert.DoesNotContain("   at ", r.Err);
        }

        [Fact]
        public void Manifest_that_is_not_utf8_is_refused()
        {
            string path = Path.Combine(_dir, "latin1.json");
            File.WriteAllBytes(path, new byte[] { (byte)'{', 0xE9, (byte)'}' });
            var r = MmfRunner.Run("inspect", path);
            Assert.Equal(MmfCommand.InputError, r.Code);
            Assert.Contains("not valid UTF-8", r.Err);
        }

        [Theory]
        [InlineData("1,x", "item 2")]
        [InlineData("1,,2", "item 2")]
        [InlineData("259", "outside the vocabulary [0, 259)")]
        [InlineData("-1", "not a non-negative integer")]
        [InlineData("99999999999999", "not a non-negative integer")]
        public void Bad_token_lists_are_usage_errors(string tokens, string message)
        {
            var r = MmfRunner.Run("logits", TestData.Model("tiny-l2-h64"), "--tokens", tokens, "--out", Path.Combine(_dir, "x.f32"));
            Assert.Equal(MmfCommand.UsageError, r.Code);
            Assert.Contains(message, r.Err);
        }

        [Theory]
        [InlineData("--temperature", "-0.5", "temperature")]
        [InlineData("--top-p", "0", "top-p")]
        [InlineData("--top-k", "-3", "top-k")]
        [InlineData("--max-tokens", "-1", "max tokens")]
        [InlineData("--max-tokens", "many", "many")]
        [InlineData("--threads", "0", "--threads must be 1 to 256")]
        public void Bad_sampling_options_are_usage_errors(string option, string value, string message)
        {
            var r = MmfRunner.Run("generate", TestData.Model("tiny-l2-h64"), "--prompt", "x", option, value);
            Assert.Equal(MmfCommand.UsageError, r.Code);
            Assert.Contains(message, r.Err);
        }

        [Fact]
        public void Unwritable_output_is_exit_code_3()
        {
            // A folder cannot be made where a file is.
            File.WriteAllText(Path.Combine(_dir, "a-file"), "");
            string output = Path.Combine(_dir, "a-file", "x.f32");
            var r = MmfRunner.Run("logits", TestData.Model("tiny-l2-h64"), "--tokens", "1", "--out", output);
            Assert.Equal(MmfCommand.OutputError, r.Code);
            Assert.Contains("cannot write output", r.Err);
        }

        [Fact]
        public void Hls_writes_a_project_whose_testbench_passes()
        {
            string output = Path.Combine(_dir, "hls");
            var r = MmfRunner.Run("hls", TestData.Model("micro-l2-h16"), "-o", output, "--top", "micro", "--fold", "4,8", "--clock-ns", "4",
                "--layer-form", "lm_head=folded", "--tokens", "1,80,90,100,110,120,130,140,150,160,170,180,190,200,210,220");
            Assert.Equal(0, r.Code);
            Assert.Contains("| lm_head | folded PE=4 SIMD=8 |", r.Out);
            Assert.Contains("Ternary layers use 0 DSP", r.Out);
            Assert.True(File.Exists(Path.Combine(output, "build.tcl")));
            Assert.Contains("clock 4", File.ReadAllText(Path.Combine(output, "build.tcl")));
            var (code, run) = MatMulFree.Tests.Compiler.Hls.HlsHarness.BuildAndRun(output, "micro");
            Assert.True(code == 0, run);
            Assert.Contains("PASS: 16 steps", run);
        }

        [Theory]
        [InlineData("--fold", "3,16", "PE must be a power of two")]
        [InlineData("--fold", "8", "is not PE,SIMD")]
        [InlineData("--layer-form", "model.layers.9.attn.i_proj=folded", "has no BitLinear")]
        [InlineData("--layer-form", "lm_head=sideways", "not auto, unrolled or folded")]
        [InlineData("--top", "2bad", "must not start with a digit")]
        [InlineData("--top", "int", "keyword")]
        [InlineData("--top", "main", "keyword")]
        [InlineData("--top", "parameters", "uses itself")]
        [InlineData("--top", "mmf_step", "starts with \"mmf_\"")]
        [InlineData("--top", "a;b", "may only have")]
        [InlineData("--top", "__x", "reserved")]
        [InlineData("--part", "xcu280} ; exec", "not a part name")]
        [InlineData("--clock-ns", "0", "clock period")]
        public void Hls_rejects_bad_options(string option, string value, string message)
        {
            var r = MmfRunner.Run("hls", TestData.Model("micro-l2-h16"), "-o", Path.Combine(_dir, "x"), option, value);
            Assert.Equal(MmfCommand.UsageError, r.Code);
            Assert.Contains(message, r.Err);
        }

        [Fact]
        [Trait("Category", "Slow")]
        public void Bench_prints_tables_and_writes_csv_json_and_svg()
        {
            // A functional check of the tool, not of speed: tiny shapes, minimal time.
            string csv = Path.Combine(_dir, "k.csv"), json = Path.Combine(_dir, "b.json"), svg = Path.Combine(_dir, "c.svg");
            var r = MmfRunner.Run("bench", "--shapes", "64x64,100x200", "--min-time-ms", "1", "--model", TestData.Model("micro-l2-h16"), "--model-time-ms", "1", "--threads", "2",
                "--csv", csv, "--json", json, "--svg", svg);
            Assert.True(r.Code == 0, r.Err);
            Assert.Contains("| 100x200 | packed 2-bit, 1 thread", r.Out);
            Assert.Contains("| 64x64 | int8 dot product, multiplies (baseline)", r.Out);
            Assert.Contains("| 100x200 | stream read, 2 threads", r.Out);
            Assert.Contains("| 100x200 | token-parallel, batch 32, 1 thread (per token)", r.Out);
            Assert.Contains("| micro-l2-h16 | generic, packed 2-bit | 2 |", r.Out);
            Assert.Contains("| prefill 16 tokens, tokens/s | prefill 128 tokens, tokens/s | prefill 512 tokens, tokens/s | first token after 512, ms |", r.Out);
            Assert.Contains("| 1 session, tokens/s in all | 4 sessions, tokens/s in all | 16 sessions, tokens/s in all |", r.Out);
            Assert.Contains("bench: micro-l2-h16, generic, packed 2-bit, 2 thread(s)...", r.Err);
            // stream read on 1 and 2 threads, packed 1 thread (cold and in cache) and 2 threads, batch 16,
            // token-parallel batch 16 and 32, int8 masks, int8 dot product
            const int kernels = 10;
            Assert.Equal(1 + 2 * kernels, File.ReadAllLines(csv).Length); // header + 2 shapes x kernels
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json));
            Assert.Equal(2 * kernels, doc.RootElement.GetProperty("kernels").GetArrayLength());
            var model = doc.RootElement.GetProperty("models")[1];
            Assert.Equal(2, model.GetProperty("threads").GetInt32());
            var prefill = model.GetProperty("prefill_512_tokens_per_second");
            Assert.True(prefill.GetProperty("low").GetDouble() <= prefill.GetProperty("median").GetDouble());
            Assert.True(prefill.GetProperty("median").GetDouble() <= prefill.GetProperty("high").GetDouble());
            Assert.True(model.GetProperty("sessions_16_tokens_per_second").GetProperty("median").GetDouble() > 0);
            Assert.True(model.GetProperty("batch_scratch_bytes").GetInt64() > 0);
            Assert.StartsWith("<svg", File.ReadAllText(svg));
        }

        [Fact]
        public void Bench_with_no_shapes_prints_only_the_model_table()
        {
            var r = MmfRunner.Run("bench", "--shapes", "none", "--model", TestData.Model("micro-l2-h16"), "--model-time-ms", "1", "--threads", "1", "--model-kernels", "packed");
            Assert.True(r.Code == 0, r.Err);
            Assert.Contains("| micro-l2-h16 | generic, packed 2-bit | 1 |", r.Out);
            Assert.DoesNotContain("int8 weights", r.Out);
            Assert.DoesNotContain("| shape (out x in) |", r.Out);
        }

        [Theory]
        [InlineData("--shapes", "12by12")]
        [InlineData("--threads", "0")]
        public void Bench_rejects_bad_options(string option, string value)
        {
            Assert.Equal(MmfCommand.UsageError, MmfRunner.Run("bench", option, value).Code);
        }

        [Fact]
        public void Unknown_command_is_a_usage_error()
        {
            Assert.Equal(MmfCommand.UsageError, MmfRunner.Run("frobnicate").Code);
        }
    }
}
