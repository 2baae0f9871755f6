using System;
using System.IO;
using System.Text.Json;

namespace MatMulFree.Tests
{
    /// <summary>Logits written by the PyTorch reference (tools/reference/reference.py).</summary>
    internal sealed class GoldenLogits
    {
        public required int[] Tokens { get; init; }
        public required int Vocab { get; init; }
        public required float[] Logits { get; init; }

        /// <summary>Per step, how far the reference's logits move when one of its int8
        /// roundings that lies within 8 float32 spacings of a tie goes the other way
        /// (tools/reference/hgrn_bit.py, RoundingTies); zeros in files without it.</summary>
        public required double[] TieAllowance { get; init; }

        public ReadOnlySpan<float> Step(int t) => Logits.AsSpan(t * Vocab, Vocab);

        /// <summary>The tolerance of docs/numerics.md: per step, the largest logit
        /// difference within 1e-4 of that step's logit range, plus the step's tie
        /// allowance (zero at most steps).</summary>
        public const double RelativeTolerance = 1e-4;

        /// <summary>Feeds the golden tokens to a fresh state of <paramref name="model"/> and
        /// asserts every step's logits within the tolerance; describes the worst step
        /// within plain tolerance and the steps that needed their tie allowance.</summary>
        public string AssertAgreement(MatMulFree.Runtime.IMatMulFreeModel model)
        {
            Xunit.Assert.Equal(Vocab, model.Architecture.Vocab);
            var state = model.CreateState();
            var logits = new float[Vocab];
            double worst = 0;
            int tieSteps = 0;
            for (int t = 0; t < Tokens.Length; t++)
            {
                model.Step(Tokens[t], state, logits);
                var expected = Step(t);
                float min = float.MaxValue, max = float.MinValue;
                double diff = 0;
                for (int v = 0; v < expected.Length; v++)
                {
                    min = Math.Min(min, expected[v]);
                    max = Math.Max(max, expected[v]);
                    diff = Math.Max(diff, Math.Abs(expected[v] - logits[v]));
                }
                double relative = diff / (max - min);
                if (relative > RelativeTolerance)
                {
                    tieSteps++;
                }
                else
                {
                    worst = Math.Max(worst, relative);
                }
                Xunit.Assert.True(diff <= RelativeTolerance * (max - min) + TieAllowance[t],
                    $"step {t}: max |logit difference| {diff} is {relative:E2} of the logit range {max - min} (tie allowance {TieAllowance[t]})");
            }
            return $"worst step differs by {worst:E2} of its logit range over {Tokens.Length} steps"
                + (tieSteps > 0 ? $"; {tieSteps} step(s) beyond 1e-4 within their int8 tie allowance" : "");
        }

        /// <summary>Feeds <paramref name="tokens"/> to fresh states of both models (the second
        /// state prepared by <paramref name="prepare"/>) and asserts every logit bit for bit.</summary>
        public static void AssertBitIdentical(MatMulFree.Runtime.IMatMulFreeModel expected, MatMulFree.Runtime.IMatMulFreeModel actual,
            int[] tokens, Action<MatMulFree.Runtime.RecurrentState>? prepare = null)
        {
            var s1 = expected.CreateState();
            var s2 = actual.CreateState();
            prepare?.Invoke(s2);
            var l1 = new float[expected.Architecture.Vocab];
            var l2 = new float[actual.Architecture.Vocab];
            Xunit.Assert.Equal(l1.Length, l2.Length);
            for (int t = 0; t < tokens.Length; t++)
            {
                expected.Step(tokens[t], s1, l1);
                actual.Step(tokens[t], s2, l2);
                for (int v = 0; v < l1.Length; v++)
                {
                    if (BitConverter.SingleToInt32Bits(l1[v]) != BitConverter.SingleToInt32Bits(l2[v]))
                    {
                        Xunit.Assert.Fail($"step {t}, logit {v}: expected {l1[v]:R}, got {l2[v]:R}");
                    }
                }
            }
        }

        public static GoldenLogits Load(string model)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestData.Golden, model + ".golden.json")));
            var root = doc.RootElement;
            var tokens = new int[root.GetProperty("tokens").GetArrayLength()];
            int i = 0;
            foreach (var t in root.GetProperty("tokens").EnumerateArray())
            {
                tokens[i++] = t.GetInt32();
            }
            var bytes = Convert.FromBase64String(root.GetProperty("logits_f32le_base64").GetString()!);
            var logits = new float[bytes.Length / 4];
            Buffer.BlockCopy(bytes, 0, logits, 0, bytes.Length);
            var allowance = new double[tokens.Length];
            if (root.TryGetProperty("tie_allowance", out var ties))
            {
                i = 0;
                foreach (var a in ties.EnumerateArray())
                {
                    allowance[i++] = a.GetDouble();
                }
            }
            return new GoldenLogits { Tokens = tokens, Vocab = root.GetProperty("vocab").GetInt32(), Logits = logits, TieAllowance = allowance };
        }
    }
}
