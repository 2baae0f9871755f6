using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using MatMulFree.Compiler.Emit;
using MatMulFree.Compiler.Planning;
using MatMulFree.Model;

namespace MatMulFree.Compiler.Hls
{
    /// <summary>Token ids and the logits another target computed for them, step by step (row-major [steps, vocab]).</summary>
    public sealed class HlsTestVectors
    {
        public HlsTestVectors(int[] tokens, float[] logits)
        {
            Tokens = tokens;
            Logits = logits;
        }

        public int[] Tokens { get; }
        public float[] Logits { get; }
    }

    /// <summary>tb/, tb_data/, build.tcl and the folder's README.</summary>
    internal static class HlsTestbench
    {
        public static void Emit(HlsPlan plan, HlsTestVectors? vectors, IDictionary<string, string> files)
        {
            files[$"tb/{plan.Top}_tb.c"] = Testbench(plan);
            files["build.tcl"] = BuildScript(plan);
            files["README.md"] = Readme(plan, vectors);
            if (vectors != null)
            {
                int vocab = plan.Model.Architecture.Vocab;
                if (vectors.Logits.LongLength != (long)vectors.Tokens.Length * vocab)
                {
                    throw new ArgumentException("test vectors: logits must be [tokens, vocab]");
                }
                var tokens = new StringBuilder();
                foreach (int t in vectors.Tokens)
                {
                    tokens.Append(t.ToString(CultureInfo.InvariantCulture)).Append('\n');
                }
                files["tb_data/tokens.txt"] = tokens.ToString();
                var expected = new StringBuilder();
                for (int s = 0; s < vectors.Tokens.Length; s++)
                {
                    for (int v = 0; v < vocab; v++)
                    {
                        expected.Append(v > 0 ? " " : "").Append(MatMulFree.Model.Numerics.PortableMath.Bits(vectors.Logits[s * vocab + v]).ToString("x8", CultureInfo.InvariantCulture));
                    }
                    expected.Append('\n');
                }
                files["tb_data/expected_logits.txt"] = expected.ToString();
            }
        }

        private static string Testbench(HlsPlan plan)
        {
            string top = plan.Top;
            var w = new CodeWriter();
            w.Line($"/* {top}_tb.c: C-simulation testbench. Replays tb_data/tokens.txt through {top}() (state reset at");
            w.Line(" * the first token) and compares every logit, bit for bit, with tb_data/expected_logits.txt");
            w.Line(" * (written by the MatMulFree C# runtime). Writes tb_data/csim_results.log; exits 1 on any mismatch. */");
            w.Line("#include <stdio.h>");
            w.Line("#include <stdint.h>");
            w.Line("#include <string.h>");
            w.Line($"#include \"{top}.h\"");
            w.Line();
            w.Line("#ifndef TB_DATA_DIR");
            w.Line("#define TB_DATA_DIR \"tb_data\"");
            w.Line("#endif");
            w.Line();
            w.Open("static uint32_t bits_of(float f)");
            w.Line("uint32_t u;");
            w.Line("memcpy(&u, &f, sizeof u);");
            w.Line("return u;");
            w.Close();
            w.Line();
            w.Open("int main(void)");
            w.Line("static float logits[MMF_VOCAB];");
            w.Line("FILE *tokens = fopen(TB_DATA_DIR \"/tokens.txt\", \"r\");");
            w.Line("FILE *expected = fopen(TB_DATA_DIR \"/expected_logits.txt\", \"r\");");
            w.Line("FILE *log = fopen(TB_DATA_DIR \"/csim_results.log\", \"w\");");
            w.Line("int token, step = 0, v;");
            w.Line("long mismatches = 0;");
            w.Open("if (tokens == NULL || expected == NULL || log == NULL)");
            w.Line("fprintf(stderr, \"testbench: cannot open the files in \" TB_DATA_DIR \"\\n\");");
            w.Line("return 2;");
            w.Close();
            w.Open("while (fscanf(tokens, \"%d\", &token) == 1)");
            w.Line("long before = mismatches;");
            w.Line($"{top}(token, step == 0, logits);");
            w.Open("for (v = 0; v < MMF_VOCAB; v++)");
            w.Line("unsigned int want;");
            w.Open("if (fscanf(expected, \"%x\", &want) != 1)");
            w.Line("fprintf(stderr, \"testbench: expected_logits.txt ends at step %d\\n\", step);");
            w.Line("return 2;");
            w.Close();
            w.Open("if (bits_of(logits[v]) != (uint32_t)want)");
            w.Line("if (mismatches < 20) fprintf(log, \"step %d logit %d: got %08x, expected %08x\\n\", step, v, (unsigned int)bits_of(logits[v]), want);");
            w.Line("mismatches++;");
            w.Close();
            w.Close();
            w.Line("fprintf(log, \"step %d token %d: %s\\n\", step, token, mismatches == before ? \"ok\" : \"MISMATCH\");");
            w.Line("step++;");
            w.Close();
            w.Line("fprintf(log, \"%d steps, %ld mismatching logits\\n\", step, mismatches);");
            w.Line("printf(\"%s: %d steps, %ld mismatching logits\\n\", mismatches == 0 && step > 0 ? \"PASS\" : \"FAIL\", step, mismatches);");
            w.Line("fclose(tokens);");
            w.Line("fclose(expected);");
            w.Line("fclose(log);");
            w.Line("return mismatches == 0 && step > 0 ? 0 : 1;");
            w.Close();
            return w.ToString();
        }

        private static string BuildScript(HlsPlan plan)
        {
            var o = plan.Options;
            var w = new CodeWriter();
            w.Line("# build.tcl: Vitis HLS build of " + plan.Top + " (generated by MatMulFree).");
            w.Line("#   vitis_hls -f build.tcl                                  csim + csynth with the defaults below");
            w.Line("#   vitis_hls -f build.tcl -tclargs csim=1 csynth=1 cosim=1 export=1 part=xcu55c-fsvh2892-2L-e clock=4");
            w.Line("array set opt {");
            w.Line("    csim 1");
            w.Line("    csynth 1");
            w.Line("    cosim 0");
            w.Line("    export 0");
            w.Line($"    top {plan.Top}");
            w.Line($"    part {o.Part}");
            w.Line($"    clock {o.ClockNs.ToString("0.###", CultureInfo.InvariantCulture)}");
            w.Line("}");
            w.Line("foreach arg $argv {");
            w.Line("    set kv [split $arg =]");
            w.Line("    if {[llength $kv] != 2 || ![info exists opt([lindex $kv 0])]} { error \"unknown argument $arg\" }");
            w.Line("    set opt([lindex $kv 0]) [lindex $kv 1]");
            w.Line("}");
            w.Line("set cflags \"-std=c99 -Ifirmware\"");
            w.Line("open_project -reset proj_$opt(top)");
            w.Line("set_top $opt(top)");
            w.Line($"add_files firmware/{plan.Top}.c -cflags $cflags");
            w.Line($"add_files -tb tb/{plan.Top}_tb.c -cflags $cflags");
            w.Line("add_files -tb tb_data");
            w.Line("open_solution -reset solution1 -flow_target vivado");
            w.Line("set_part $opt(part)");
            w.Line("create_clock -period $opt(clock) -name default");
            w.Line("if {$opt(csim)} { csim_design }");
            w.Line("if {$opt(csynth)} { csynth_design }");
            w.Line("if {$opt(cosim)} { cosim_design }");
            w.Line("if {$opt(export)} { export_design -format ip_catalog }");
            w.Line("exit");
            return w.ToString();
        }

        private static string Readme(HlsPlan plan, HlsTestVectors? vectors)
        {
            var m = plan.Model;
            var a = m.Architecture;
            string top = plan.Top;
            var sb = new StringBuilder();
            sb.Append($"# {top}: HLS project for the HGRN-Bit model {MarkdownText.Code(m.Name)}\n\n");
            sb.Append($"Generated by MatMulFree from a manifest (sha256 {m.IntegrityDigest}): {a.Layers} layers, hidden {a.Hidden}, ");
            sb.Append($"intermediate {a.Intermediate}, vocabulary {a.Vocab}. The C follows MatMulFree's docs/numerics.md, so it computes the same ");
            sb.Append("bits as the C# runtime; the ternary products use additions and subtractions only.\n\n");
            sb.Append("| path | what |\n|---|---|\n");
            sb.Append($"| `firmware/{top}.c`, `.h` | top function `{top}(token, reset, logits)`: one token step, recurrent state on chip |\n");
            sb.Append("| `firmware/parameters.h` | shapes, per-layer form (unrolled / folded), PE and SIMD folding, betas |\n");
            sb.Append("| `firmware/mmf_numerics.h`, `mmf_kernels.h` | float32 functions (own exp and sqrt, no math.h) and element-wise kernels |\n");
            sb.Append("| `firmware/weights/` | embeddings, norm weights and lower bounds; packed ternary ROMs of folded layers |\n");
            sb.Append($"| `tb/{top}_tb.c`, `tb_data/` | C-simulation testbench: replays `tokens.txt`, compares every logit with `expected_logits.txt` bit for bit, writes `csim_results.log` |\n");
            sb.Append("| `build.tcl` | Vitis HLS script: csim, csynth, cosim, export; top, part and clock as arguments |\n");
            sb.Append("| `report.md`, `report.json` | estimated resources and latency per layer (MatMulFree docs/hls.md explains the model) |\n\n");
            sb.Append("## C simulation with gcc\n\n```sh\n");
            sb.Append($"gcc -std=c99 -Wall -Wextra -Werror -ffp-contract=off -O2 -Ifirmware firmware/{top}.c tb/{top}_tb.c -o {top}_tb && ./{top}_tb\n");
            sb.Append("```\n\n");
            sb.Append(vectors == null
                ? "This folder has no test vectors (tb_data/ was not written).\n\n"
                : $"It prints `PASS: {vectors.Tokens.Length} steps, 0 mismatching logits` and exits 0; any mismatch exits 1.\n\n");
            sb.Append("## Vitis HLS\n\n```sh\nvitis_hls -f build.tcl                                        # csim + csynth\n");
            sb.Append($"vitis_hls -f build.tcl -tclargs cosim=1 export=1 part={plan.Options.Part} clock={plan.Options.ClockNs.ToString("0.###", CultureInfo.InvariantCulture)}\n```\n\n");
            sb.Append("HLS pragmas are written `MMF_PRAGMA(HLS ...)` (see mmf_numerics.h): active under synthesis (`__SYNTHESIS__`), ");
            sb.Append("empty for a plain C compiler, so the strict gcc build above stays warning-free.\n\n");
            sb.Append("## Layers\n\n| layer | shape | form | why |\n|---|---|---|---|\n");
            foreach (var l in plan.Layers)
            {
                sb.Append($"| {l.Weights.Name} | {l.Weights.InFeatures} -> {l.Weights.OutFeatures} | {(l.Form == ProductForm.Folded ? $"folded, PE {l.Fold!.Pe} x SIMD {l.Fold!.Simd}" : "unrolled")} | {l.Reason} |\n");
            }
            return sb.ToString();
        }
    }
}
