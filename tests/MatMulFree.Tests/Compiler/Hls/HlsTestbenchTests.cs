using System;
using System.IO;
using System.Linq;
using MatMulFree.Compiler.Hls;
using MatMulFree.Compiler.Planning;
using MatMulFree.Model;
using Xunit;

namespace MatMulFree.Tests.Compiler.Hls
{
    /// <summary>
    /// The emitted HLS-C against the C# runtime: for every committed model and
    /// every form, gcc builds the project's own testbench with the strict flags and
    /// it must report every logit of 20 steps bit-identical.
    /// </summary>
    public sealed class HlsTestbenchTests : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("mmf-hls-").FullName;

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        [Trait("Category", "Slow")]
        [Theory]
        [InlineData("micro-l2-h16", ProductForm.Unrolled)]
        [InlineData("micro-l2-h16", ProductForm.Folded)]
        [InlineData("micro-l2-h16", null)]
        [InlineData("tiny-l2-h64", ProductForm.Unrolled)]
        [InlineData("tiny-l2-h64", ProductForm.Folded)]
        [InlineData("tiny-l2-h64", null)]
        [InlineData("tiny-l3-h96", ProductForm.Unrolled)]
        [InlineData("tiny-l3-h96", ProductForm.Folded)]
        public void Testbench_passes_bit_for_bit(string model, ProductForm? form)
        {
            var options = new HlsOptions { Form = form, Pe = 4, Simd = 8, UnrollLimit = model.StartsWith("micro", StringComparison.Ordinal) ? 300 : 4000 };
            var project = HlsHarness.Emit(model, options);
            if (form != null)
            {
                Assert.All(project.Plan.Layers, l => Assert.Equal(form, l.Form));
            }
            else
            {
                // The auto planner mixes forms on these models: small layers unrolled, wide ones folded.
                Assert.Contains(project.Plan.Layers, l => l.Form == ProductForm.Unrolled);
                Assert.Contains(project.Plan.Layers, l => l.Form == ProductForm.Folded);
            }
            string dir = HlsHarness.Write(project, Path.Combine(_dir, model + form));
            // The unrolled designs of the tiny models are 0.6-1.5 MB of C: gcc -O2 takes 37 s on tiny-l3-h96's,
            // -O0 3 s (AMD EPYC Zen 4, 2 vCPUs). The optimizer changes no float operation (-ffp-contract=off,
            // no -ffast-math), so these are checked at -O0; every other design still builds at -O2.
            bool large = form != ProductForm.Folded && !model.StartsWith("micro", StringComparison.Ordinal);
            var (code, output) = HlsHarness.BuildAndRun(dir, project.Plan.Top, large ? "-O0" : "-O2");
            Assert.True(code == 0, output + File.ReadAllText(Path.Combine(dir, "tb_data", "csim_results.log")));
            Assert.Contains("PASS: 20 steps, 0 mismatching logits", output);
        }

        [Fact]
        public void One_layer_models_and_all_zero_layers_build_under_werror()
        {
            // A one-layer model has no lower-bounded layer (no unused kernel may be left for -Wall to
            // refuse); a layer whose weights are all zero reads no input (no unused parameter either).
            var root = System.Text.Json.Nodes.JsonNode.Parse(TestData.ModelText("micro-l2-h16"))!.AsObject();
            var zero = root["tensors"]!["model.layers.0.attn.f_proj.weight"]!;
            zero["data"] = Convert.ToBase64String(new byte[Convert.FromBase64String((string)zero["data"]!).Length]);
            root["integrity"]!["digest"] = IndependentDigest.Of(root);
            var zeros = MatMulFree.Runtime.ManifestLoader.Parse(root.ToJsonString(), TestData.Model("micro-l2-h16"));
            string converted = Path.Combine(_dir, "one-layer.mmf.json");
            var r = MmfRunner.Run("convert", Path.Combine(TestData.Root, "tests", "data", "hf", "micro-f16"), "-o", converted);
            Assert.True(r.Code == 0, r.Err);
            var oneLayer = MatMulFree.Runtime.ManifestLoader.Load(converted);
            Assert.Equal(1, oneLayer.Architecture.Layers);
            foreach (var (definition, form) in new[] { (zeros, ProductForm.Unrolled), (oneLayer, ProductForm.Unrolled), (oneLayer, ProductForm.Folded) })
            {
                var model = new MatMulFree.Runtime.GenericModel(definition);
                var tokens = new[] { 1, 5, 9 };
                var logits = new float[tokens.Length * model.Architecture.Vocab];
                var state = model.CreateState();
                for (int t = 0; t < tokens.Length; t++)
                {
                    model.Step(tokens[t], state, logits.AsSpan(t * model.Architecture.Vocab, model.Architecture.Vocab));
                }
                var project = HlsProject.Create(definition, new HlsOptions { Form = form, Pe = 4, Simd = 8 }, new HlsTestVectors(tokens, logits));
                string dir = HlsHarness.Write(project, Path.Combine(_dir, definition.Name + form));
                var (code, output) = HlsHarness.BuildAndRun(dir, project.Plan.Top);
                Assert.True(code == 0, output);
                Assert.Contains("PASS: 3 steps", output);
            }
        }

        [Fact]
        public void Testbench_fails_on_a_single_wrong_bit()
        {
            var project = HlsHarness.Emit("micro-l2-h16", new HlsOptions(), steps: 16);
            string dir = HlsHarness.Write(project, Path.Combine(_dir, "broken"));
            string path = Path.Combine(dir, "tb_data", "expected_logits.txt");
            var lines = File.ReadAllLines(path);
            var words = lines[7].Split(' ');
            words[100] = (Convert.ToUInt32(words[100], 16) ^ 1u).ToString("x8");
            lines[7] = string.Join(" ", words);
            File.WriteAllLines(path, lines);
            var (code, output) = HlsHarness.BuildAndRun(dir, project.Plan.Top);
            Assert.Equal(1, code);
            Assert.Contains("FAIL: 16 steps, 1 mismatching logits", output);
            Assert.Contains("step 7 logit 100", File.ReadAllText(Path.Combine(dir, "tb_data", "csim_results.log")));
        }

        [Fact]
        public void Reset_starts_a_new_sequence_and_bad_tokens_leave_the_state_alone()
        {
            // A second pass over the same tokens, with reset at its first token, must repeat the first pass;
            // an out-of-range token in between writes zero logits and changes nothing.
            var first = HlsHarness.Emit("micro-l2-h16", new HlsOptions(), steps: 8);
            var tokens = first.Plan.Model.Architecture.Vocab;
            string dir = HlsHarness.Write(first, Path.Combine(_dir, "reset"));
            string driver = Path.Combine(dir, "tb", "reset_check.c");
            File.WriteAllText(driver, $$"""
                #include <stdio.h>
                #include <string.h>
                #include "{{first.Plan.Top}}.h"
                static float a[MMF_VOCAB], b[MMF_VOCAB];
                int main(void) {
                    int t, v, ids[3] = {1, 60, 70};
                    for (t = 0; t < 3; t++) {{first.Plan.Top}}(ids[t], t == 0, a);
                    {{first.Plan.Top}}(-5, 0, b);
                    for (v = 0; v < MMF_VOCAB; v++) if (b[v] != 0.0f) return 3;
                    {{first.Plan.Top}}(MMF_VOCAB, 0, b);
                    for (t = 0; t < 3; t++) {{first.Plan.Top}}(ids[t], t == 0, b);
                    return memcmp(a, b, sizeof a) == 0 ? 0 : 4;
                }
                """);
            var build = HlsHarness.Run("gcc", $"{HlsHarness.GccFlags} -Ifirmware firmware/{first.Plan.Top}.c tb/reset_check.c -o reset_check", dir);
            Assert.True(build.Code == 0, build.Output);
            Assert.Equal(0, HlsHarness.Run(Path.Combine(dir, "reset_check"), "", dir).Code);
            Assert.True(tokens > 0);
        }
    }
}
