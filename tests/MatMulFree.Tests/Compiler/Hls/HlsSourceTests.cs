using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using MatMulFree.Compiler.Hls;
using MatMulFree.Compiler.Planning;
using MatMulFree.Model;
using Xunit;

namespace MatMulFree.Tests.Compiler.Hls
{
    /// <summary>What the emitted C is allowed to contain, its golden files, and its report.</summary>
    public sealed class HlsSourceTests
    {
        public static IEnumerable<object?[]> Forms() => new[] { new object[] { ProductForm.Unrolled }, new object[] { ProductForm.Folded }, new object?[] { null } };

        [Theory]
        [MemberData(nameof(Forms))]
        public void Firmware_is_synthesizable_c(ProductForm? form)
        {
            var project = HlsHarness.Emit("tiny-l2-h64", new HlsOptions { Form = form }, steps: 1);
            var firmware = project.Files.Where(f => f.Key.StartsWith("firmware/", StringComparison.Ordinal)).ToList();
            Assert.True(firmware.Count >= 6);
            int loops = 0, arrays = 0, functions = 0;
            foreach (var (path, text) in firmware)
            {
                string code = Regex.Replace(text, @"/\*.*?\*/", " ", RegexOptions.Singleline);
                foreach (Match include in Regex.Matches(code, "#include\\s*([<\"])([^>\"]+)[>\"]"))
                {
                    bool system = include.Groups[1].Value == "<";
                    Assert.True(!system || include.Groups[2].Value == "stdint.h", $"{path}: includes <{include.Groups[2].Value}>");
                }
                foreach (var banned in new[] { "malloc", "calloc", "realloc", "free(", "alloca", "math.h", "goto", "while", "do {", "printf", "FILE", "double" })
                {
                    Assert.False(code.Contains(banned), $"{path}: contains '{banned}'");
                }
                // Every loop has a constant bound: a number or an upper-case macro.
                foreach (Match loop in Regex.Matches(code, @"for\s*\(([^;]*);([^;]*);"))
                {
                    Assert.Matches(@"^\s*\w+\s*(<|<=|>=|>)\s*([0-9]+|[A-Z][A-Z0-9_]*)\s*$", loop.Groups[2].Value);
                    loops++;
                }
                // Every array has a constant size: no variable-length arrays.
                foreach (Match array in Regex.Matches(code, @"\b(?:float|int8_t|int32_t|uint8_t|uint32_t|uint64_t)\s+[^;=(]*?\[([^\]]*)\]"))
                {
                    Assert.Matches(@"^\s*([0-9]+|[A-Z][A-Z0-9_]*(\s*/\s*4)?)\s*$", array.Groups[1].Value);
                    arrays++;
                }
                // No recursion: no function calls itself.
                foreach (Match function in Regex.Matches(code, @"\n(?:static\s+(?:inline\s+)?)?(?:void|float|int32_t|uint32_t)\s+(\w+)\(([^)]*)\)\s*\n\{(.*?)\n\}", RegexOptions.Singleline))
                {
                    Assert.DoesNotMatch(@"\b" + function.Groups[1].Value + @"\s*\(", function.Groups[3].Value);
                    functions++;
                }
            }
            // The scan saw the code it checks.
            Assert.True(loops > 20 && arrays > 20 && functions > 20, $"{loops} loops, {arrays} arrays, {functions} functions");
        }

        [Fact]
        public void Ternary_products_have_no_multiplication()
        {
            foreach (var form in new[] { ProductForm.Unrolled, ProductForm.Folded })
            {
                var project = HlsHarness.Emit("micro-l2-h16", new HlsOptions { Form = form }, steps: 1);
                string c = project.Files[$"firmware/{project.Plan.Top}.c"];
                foreach (Match product in Regex.Matches(c, @"static void (\w+)_product\(.*?\n\}", RegexOptions.Singleline))
                {
                    string body = Regex.Replace(product.Value, @"/\*.*?\*/", " ", RegexOptions.Singleline);
                    body = body.Substring(body.IndexOf('{'));
                    Assert.DoesNotContain("*", body);
                }
            }
        }

        [Fact]
        public void Emitted_project_of_the_smallest_model_matches_its_baseline()
        {
            var project = HlsHarness.Emit("micro-l2-h16", new HlsOptions(), steps: 16);
            foreach (var (path, text) in project.Files)
            {
                if (path.StartsWith("tb_data/", StringComparison.Ordinal) || path == "firmware/weights/embeddings.h")
                {
                    continue; // data, checked by the testbench tests; the table is not for reading
                }
                Baseline.Verify("hls-micro-l2-h16/" + path + ".txt", text.Replace("\r\n", "\n"));
            }
        }

        [Fact]
        public void Report_counts_no_dsp_for_ternary_layers_and_fewer_additions_unrolled()
        {
            var project = HlsHarness.Emit("tiny-l2-h64", new HlsOptions { Form = ProductForm.Unrolled }, steps: 1);
            var report = project.Report;
            Assert.All(report.Layers, l => Assert.Equal(0, l.Dsp));
            Assert.All(report.Layers, l => Assert.True(l.Additions < l.NonZeros, l.Name));
            Assert.Equal(100_078, report.Total.AdditionsPlain);
            Assert.Equal(43_028, report.Total.Additions);
            using var json = JsonDocument.Parse(project.Files["report.json"]);
            Assert.Equal(13, json.RootElement.GetProperty("layers").GetArrayLength());
            Assert.Equal(report.Total.Cycles, json.RootElement.GetProperty("cycles_per_token").GetInt64());
            Assert.Contains("Ternary layers use 0 DSP", project.Files["report.md"]);

            var folded = HlsHarness.Emit("tiny-l2-h64", new HlsOptions { Form = ProductForm.Folded, Pe = 8, Simd = 16 }, steps: 1).Report;
            var gate = folded.Layers.Single(l => l.Name == "model.layers.0.mlp.gate_proj");
            // 512 x 64 at PE 8, SIMD 16: 64 x 4 = 256 cycles of II=1 plus the pipeline; 2 bits per weight of ROM.
            Assert.Equal(512L * 64 * 2, gate.RomBits);
            Assert.InRange(gate.Cycles, 256, 270);
        }

        [Theory]
        [InlineData(3, 16, "PE must be a power of two")]
        [InlineData(8, 2, "SIMD must be a power of two from 4")]
        public void Invalid_folding_is_refused(int pe, int simd, string message)
        {
            var e = Assert.Throws<ArgumentException>(() => HlsHarness.Emit("micro-l2-h16", new HlsOptions { Pe = pe, Simd = simd }, steps: 1));
            Assert.Contains(message, e.Message);
        }
    }
}
