using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using MatMulFree.Model.Manifest;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Generation;
using MatMulFree.Runtime.Tokenization;
using MatMulFree.Tests.Generator;
using Xunit;

namespace MatMulFree.Tests.Runtime
{
    /// <summary>A manifest carrying the Llama-style BPE tokenizer: read, used by sessions, compiled by the generator.</summary>
    public sealed class ManifestBpeTokenizerTests
    {
        private const char S = BpeTokenizer.SpaceMarker;

        [Fact]
        public void Sessions_use_the_manifest_tokenizer()
        {
            var model = new GenericModel(ManifestLoader.Parse(BpeManifest.Text(), "bpe.mmf.json"));
            var session = new Session(model);
            Assert.IsType<BpeTokenizer>(session.Tokenizer);
            // "▁hello" is one piece (id 212); "!" (0x21) and 'é' (C3 A9) fall back to byte pieces 3 + byte.
            Assert.Equal(new[] { 1, 212, 3 + 0x21, 3 + 0xC3, 3 + 0xA9 }, session.Tokenizer.Encode("hello!é", addBos: true));
            // "▁" alone is piece 203; 'Ș' is C8 98 and there is no piece for the byte C8: <unk>, then 3 + 0x98.
            Assert.Equal(new[] { 1, 203, 0, 3 + 0x98 }, session.Tokenizer.Encode("Ș", addBos: true));
            session.FeedText("hello");
            Assert.Equal(2, session.State.Position);
        }

        [Fact]
        public void The_generated_model_carries_the_same_tokenizer()
        {
            const string path = "models/bpe.mmf.json";
            var result = GeneratorHarness.Run(GeneratorHarness.Compilation(GeneratorHarness.ModelClass("Bpe", path)),
                new[] { GeneratorHarness.Manifest(path, BpeManifest.Text()) });
            Assert.Empty(result.Diagnostics);
            var generated = (IMatMulFreeModel)Activator.CreateInstance(GeneratorHarness.Load(result.Output).GetType("Models.Bpe")!)!;
            var fromManifest = TokenizerFactory.Create(ManifestLoader.Parse(BpeManifest.Text(), "bpe.mmf.json").Tokenizer, generated.Architecture);
            var fromCode = TokenizerFactory.Create(generated.Tokenizer, generated.Architecture);
            foreach (var text in new[] { "hello", "hello hello", " lol", "héllo" })
            {
                Assert.Equal(fromManifest.Encode(text, true), fromCode.Encode(text, true));
            }
        }

        [Theory]
        [InlineData("pieces", "258 pieces for a vocabulary of 259")]
        [InlineData("merge", "makes a piece that is not in")]
        [InlineData("special", "whose piece is")]
        public void Bad_bpe_tokenizers_are_manifest_errors(string what, string message)
        {
            string text = BpeManifest.Text(root =>
            {
                var tok = root["tokenizer"]!.AsObject();
                switch (what)
                {
                    case "pieces": tok["pieces"]!.AsArray().RemoveAt(258); break;
                    case "merge": tok["merges"]!.AsArray().Add("h o"); break;
                    default: tok["special_tokens"]!["<s>"] = 5; break;
                }
            });
            var result = ManifestReader.Read(text);
            var error = Assert.Single(result.Errors);
            Assert.Contains(message, error.Message);
            Assert.StartsWith("/tokenizer", error.JsonPointer);
        }
    }
}
