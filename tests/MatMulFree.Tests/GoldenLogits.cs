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

        public ReadOnlySpan<float> Step(int t) => Logits.AsSpan(t * Vocab, Vocab);

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
            return new GoldenLogits { Tokens = tokens, Vocab = root.GetProperty("vocab").GetInt32(), Logits = logits };
        }
    }
}
