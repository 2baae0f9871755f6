using System;
using System.Text.Json.Nodes;
using MatMulFree.Runtime.Tokenization;

namespace MatMulFree.Tests
{
    /// <summary>A manifest carrying the Llama-style BPE tokenizer, for the tests of every assembly that reads one.</summary>
    internal static class BpeManifest
    {
        private const char S = BpeTokenizer.SpaceMarker;

        /// <summary>The micro model (vocabulary 259) with a BPE tokenizer: 3 specials, byte pieces for
        /// bytes 0x00-0xC7, and pieces and merges that make "▁hello" (ids 203-212).</summary>
        public static string Text(Action<JsonObject>? change = null)
        {
            var root = JsonNode.Parse(TestData.ModelText("micro-l2-h16"))!.AsObject();
            var pieces = new JsonArray("<unk>", "<s>", "</s>");
            for (int b = 0; b < 200; b++) pieces.Add($"<0x{b:X2}>");
            foreach (var p in new[] { $"{S}", "h", "e", "l", "o", "ll", $"{S}h", $"{S}he", "llo", $"{S}hello" }) pieces.Add(p);
            while (pieces.Count < 259) pieces.Add(null);
            root["tokenizer"] = new JsonObject
            {
                ["type"] = "bpe",
                ["pieces"] = pieces,
                ["merges"] = new JsonArray("l l", $"{S} h", $"{S}h e", "ll o", $"{S}he llo"),
                ["special_tokens"] = new JsonObject { ["<unk>"] = 0, ["<s>"] = 1, ["</s>"] = 2 },
            };
            change?.Invoke(root);
            // The digest covers the tokenizer and kernel choices: made again for what the manifest now says.
            root["integrity"]!["digest"] = IndependentDigest.Of(root);
            return root.ToJsonString();
        }
    }
}
