using System;
using System.IO;
using System.Text.Json.Nodes;

namespace MatMulFree.Fuzz
{
    /// <summary>
    /// Manifests damaged at random (text and values, half of them with the digest made again so the
    /// change reaches the checks behind it), read by `mmf inspect`; an accepted one also generates
    /// a few tokens. Each must be accepted or refused with a message naming the file (exit code 2).
    /// </summary>
    public sealed class ManifestFuzz : FuzzClass
    {
        private static readonly string[] Models = { "micro-l2-h16", "tiny-l2-h64" };

        public override string Name => "manifest";
        public override string Description => "committed manifests (byte and BPE tokenizers) with random damage, half re-digested; mmf inspect, then generate when accepted";
        public override int CiCount => 1000;
        public override int FullCount => 20000;

        public override Result Run(int index, Random random, string dir)
        {
            string text = index % 4 == 3 ? Bpe() : File.ReadAllText(Repository.Model(Models[index % Models.Length]));
            int changes = 1 + random.Next(3);
            for (int k = 0; k < changes; k++)
            {
                text = Mutations.Text(text, random);
            }
            if (random.Next(2) == 0)
            {
                text = Mutations.Redigest(text);
            }
            string path = Path.Combine(dir, "m.mmf.json");
            File.WriteAllText(path, text);
            var result = Cli.Judge(Cli.Mmf("inspect", path), 2, path, text.Length);
            if (result.Outcome != Outcome.Accepted)
            {
                return result;
            }
            return Cli.Judge(Cli.Mmf("generate", path, "--prompt", "The", "--max-tokens", "4", "--seed", "1"), 2, path, text.Length);
        }

        /// <summary>The micro model with a small BPE tokenizer, re-digested.</summary>
        internal static string Bpe()
        {
            var root = JsonNode.Parse(File.ReadAllText(Repository.Model("micro-l2-h16")))!.AsObject();
            var pieces = new JsonArray("<unk>", "<s>", "</s>");
            for (int b = 0; b < 200; b++) pieces.Add($"<0x{b:X2}>");
            foreach (var p in new[] { "\u2581", "h", "e", "l", "o", "ll", "\u2581h", "\u2581he", "llo", "\u2581hello" }) pieces.Add(p);
            while (pieces.Count < 259) pieces.Add(null);
            root["tokenizer"] = new JsonObject
            {
                ["type"] = "bpe",
                ["pieces"] = pieces,
                ["merges"] = new JsonArray("l l", "\u2581 h", "\u2581h e", "ll o", "\u2581he llo"),
                ["special_tokens"] = new JsonObject { ["<unk>"] = 0, ["<s>"] = 1, ["</s>"] = 2 },
            };
            return Mutations.Redigest(root.ToJsonString());
        }
    }
}
