using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using MatMulFree.Model.Numerics;
using MatMulFree.Runtime.Kernels;
using Xunit;

namespace MatMulFree.Tests.Model
{
    /// <summary>
    /// docs/numerics.md promises the same bits in C and C#. tests/data/c/numerics_check.c
    /// transcribes it to C99 independently; gcc builds it with the flags the HLS
    /// testbench will use, and its results must equal the C# ones bit for bit.
    /// </summary>
    public sealed class CrossLanguageNumericsTests
    {
        private static string BuildChecker()
        {
            string source = Path.Combine(TestData.Root, "tests", "data", "c", "numerics_check.c");
            string exe = Path.Combine(Path.GetTempPath(), "mmf-numerics-check-" + Environment.ProcessId);
            var (code, _, err) = Run("gcc", $"-std=c99 -O2 -ffp-contract=off -Wall -Wextra -Werror \"{source}\" -lm -o \"{exe}\"", "");
            Assert.True(code == 0, "gcc failed (gcc is required by the test suite): " + err);
            return exe;
        }

        private static (int Code, string Out, string Err) Run(string file, string args, string input)
        {
            var psi = new ProcessStartInfo(file, args)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            p.StandardInput.Write(input);
            p.StandardInput.Close();
            p.WaitForExit();
            return (p.ExitCode, stdout.Result, stderr.Result);
        }

        private static string Hex(float f) => BitConverter.SingleToUInt32Bits(f).ToString("x8");

        private static bool SameBits(string c, float cs) =>
            c == Hex(cs) || (float.IsNaN(cs) && float.IsNaN(BitConverter.UInt32BitsToSingle(Convert.ToUInt32(c, 16))));

        [Fact]
        public void Exp_sigmoid_and_silu_agree_bit_for_bit_with_c()
        {
            var random = new Random(1);
            var inputs = new float[200_000];
            for (int k = 0; k < inputs.Length; k++)
            {
                inputs[k] = k % 4 == 0
                    ? BitConverter.Int32BitsToSingle(random.Next(int.MinValue, int.MaxValue)) // any float at all
                    : (float)(random.NextDouble() * 200 - 100);
            }
            float[] specials = { 0f, -0f, 88.72283f, 88.7228f, -87.33654f, -87.3365f, 1e-30f, -1e-30f, float.MaxValue, float.MinValue, float.PositiveInfinity, float.NegativeInfinity };
            specials.CopyTo(inputs, 0);
            var sb = new StringBuilder();
            foreach (var x in inputs) sb.Append("e ").Append(Hex(x)).Append('\n');
            var (code, output, err) = Run(BuildChecker(), "", sb.ToString());
            Assert.True(code == 0, err);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(inputs.Length, lines.Length);
            for (int k = 0; k < inputs.Length; k++)
            {
                var c = lines[k].Split(' ');
                float x = inputs[k];
                Assert.True(SameBits(c[0], PortableMath.Exp(x)), $"exp({x:R}): C {c[0]}, C# {Hex(PortableMath.Exp(x))}");
                Assert.True(SameBits(c[1], PortableMath.Sigmoid(x)), $"sigmoid({x:R}): C {c[1]}, C# {Hex(PortableMath.Sigmoid(x))}");
                Assert.True(SameBits(c[2], PortableMath.Silu(x)), $"silu({x:R}): C {c[2]}, C# {Hex(PortableMath.Silu(x))}");
            }
        }

        [Fact]
        public void Hls_numerics_header_agrees_bit_for_bit_with_csharp()
        {
            // The HLS backend's own math-free sqrt, exp, floor and rounding (firmware/mmf_numerics.h).
            var project = MatMulFree.Tests.Compiler.Hls.HlsHarness.Emit("micro-l2-h16", new MatMulFree.Compiler.Hls.HlsOptions(), steps: 1);
            string dir = Directory.CreateTempSubdirectory("mmf-hls-numerics-").FullName;
            try
            {
                File.WriteAllText(Path.Combine(dir, "mmf_numerics.h"), project.Files["firmware/mmf_numerics.h"]);
                File.WriteAllText(Path.Combine(dir, "check.c"), """
                    #include <stdio.h>
                    #include "mmf_numerics.h"
                    int main(void) {
                        unsigned int u;
                        while (scanf("%x", &u) == 1) {
                            float x = mmf_from_bits(u);
                            float small = x > 1.0e9f || x < -1.0e9f || x != x ? 0.5f : x;
                            printf("%08x %08x %08x %d\n", (unsigned int)mmf_to_bits(mmf_sqrt(x)), (unsigned int)mmf_to_bits(mmf_exp(x)),
                                   (unsigned int)mmf_to_bits(mmf_floor(small)), (int)mmf_round_half_away(small));
                        }
                        return 0;
                    }
                    """);
                var build = Run("gcc", $"-std=c99 -O2 -ffp-contract=off -Wall -Wextra -Werror \"{Path.Combine(dir, "check.c")}\" -o \"{Path.Combine(dir, "check")}\"", "");
                Assert.True(build.Code == 0, build.Err);
                var random = new Random(3);
                var inputs = new float[100_000];
                for (int k = 0; k < inputs.Length; k++)
                {
                    inputs[k] = k % 3 == 0
                        ? BitConverter.Int32BitsToSingle(random.Next(int.MinValue, int.MaxValue))
                        : (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-8, 9)));
                }
                new[] { 0f, -0f, 1f, 2f, 0.5f, -0.5f, 2.5f, -2.5f, 0.49999997f, float.Epsilon, 1e-45f, float.MaxValue }.CopyTo(inputs, 0);
                var sb = new StringBuilder();
                foreach (var x in inputs) sb.Append(Hex(x)).Append('\n');
                var (code, output, err) = Run(Path.Combine(dir, "check"), "", sb.ToString());
                Assert.True(code == 0, err);
                var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                Assert.Equal(inputs.Length, lines.Length);
                for (int k = 0; k < inputs.Length; k++)
                {
                    float x = inputs[k];
                    var c = lines[k].Split(' ');
                    Assert.True(SameBits(c[0], MathF.Sqrt(x)), $"sqrt({x:R}): C {c[0]}, C# {Hex(MathF.Sqrt(x))}");
                    Assert.True(SameBits(c[1], PortableMath.Exp(x)), $"exp({x:R}): C {c[1]}");
                    float small = x > 1e9f || x < -1e9f || float.IsNaN(x) ? 0.5f : x;
                    Assert.True(SameBits(c[2], MathF.Floor(small)), $"floor({small:R}): C {c[2]}");
                    Assert.Equal(PortableMath.RoundHalfAwayFromZero(small), int.Parse(c[3]));
                }
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        [Fact]
        public void Inverse_rms_agrees_bit_for_bit_with_c()
        {
            var random = new Random(2);
            var sb = new StringBuilder();
            var vectors = new float[300][];
            for (int v = 0; v < vectors.Length; v++)
            {
                int n = 1 + random.Next(2048);
                double scale = Math.Pow(10, random.Next(-6, 6));
                vectors[v] = new float[n];
                sb.Append("r ").Append(n);
                for (int k = 0; k < n; k++)
                {
                    vectors[v][k] = (float)((random.NextDouble() * 2 - 1) * scale);
                    sb.Append(' ').Append(Hex(vectors[v][k]));
                }
                sb.Append('\n');
            }
            var (code, output, err) = Run(BuildChecker(), "", sb.ToString());
            Assert.True(code == 0, err);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            for (int v = 0; v < vectors.Length; v++)
            {
                Assert.Equal(lines[v], Hex(RmsNorm.InverseRms(vectors[v], 1e-6f)));
            }
        }
    }
}
