using System;
using System.Linq;
using System.Text;
using MatMulFree.Runtime.Tokenization;
using Xunit;

namespace MatMulFree.Tests.Runtime
{
    /// <summary>Hugging Face tokenizer.json files, well-formed and hostile.</summary>
    public sealed class TokenizerJsonTests
    {
        private const string S = "\u2581";

        /// <summary>A small Llama-layout tokenizer.json, written here.</summary>
        private static string File(string merges = "[\"l l\", \"" + S + " h\", [\"" + S + "h\", \"e\"], \"ll o\", \"" + S + "he llo\"]")
        {
            var vocab = new StringBuilder("{\"<unk>\": 0, \"<s>\": 1, \"</s>\": 2");
            for (int b = 0; b < 256; b++) vocab.Append($", \"<0x{b:X2}>\": {3 + b}");
            string[] pieces = { S, "h", "e", "l", "o", "ll", S + "h", S + "he", "llo", S + "hello" };
            for (int k = 0; k < pieces.Length; k++) vocab.Append($", \"{pieces[k]}\": {259 + k}");
            vocab.Append('}');
            return "{\n \"version\": \"1.0\",\n \"added_tokens\": [{\"id\": 0, \"content\": \"<unk>\", \"special\": true}, {\"id\": 1, \"content\": \"<s>\", \"special\": true}, {\"id\": 2, \"content\": \"</s>\", \"special\": true}],\n" +
                   " \"model\": {\"type\": \"BPE\", \"unk_token\": \"<unk>\", \"byte_fallback\": true,\n  \"vocab\": " + vocab + ",\n  \"merges\": " + merges + "}\n}";
        }

        [Fact]
        public void Reads_vocabulary_merges_and_special_tokens()
        {
            var t = TokenizerJson.Parse(File(), "tokenizer.json");
            Assert.Equal((1, 2), (t.Bos, t.Eos));
            Assert.Equal(269, t.VocabSize);
            // "▁hello▁!": ▁hello by the merges, then ▁ and the byte piece of '!'.
            Assert.Equal(new[] { 1, 268, 259, 3 + '!' }, t.Encode("hello !", addBos: true));
            Assert.Equal("hello !", t.Decode(t.Encode("hello !", addBos: true)));
            Assert.True(t.Bytes(1).IsEmpty);
        }

        [Theory]
        [InlineData("{", "(1,2)", "invalid JSON")]
        [InlineData("{\"model\": 3}", "(1,11)", "\"model\" must be an object")]
        [InlineData("{\"model\": {\"type\": \"WordPiece\"}}", "(1,20)", "not supported")]
        [InlineData("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": -1}, \"merges\": []}}", "(1,42)", "not an id")]
        [InlineData("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 0}, \"merges\": []}}", "(1,50)", "given to both")]
        [InlineData("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}}", "(1,1)", "no <s> or no </s>")]
        public void Hostile_files_name_the_place_and_the_problem(string text, string place, string message)
        {
            var e = Assert.Throws<TokenizerFileException>(() => TokenizerJson.Parse(text, "tok.json"));
            Assert.StartsWith("tok.json" + place, e.Message);
            Assert.Contains(message, e.Message);
        }

        [Theory]
        [InlineData("[\"lonely\"]", "not two pieces")]
        [InlineData("[\"h e\"]", "not in the vocabulary")]
        [InlineData("[3]", "must be")]
        public void Bad_merges_are_refused(string merges, string message)
        {
            var e = Assert.Throws<TokenizerFileException>(() => TokenizerJson.Parse(File(merges), "tok.json"));
            Assert.Contains(message, e.Message);
        }

        [Fact]
        public void Random_damage_gives_errors_never_crashes()
        {
            string text = File();
            var random = new Random(5);
            for (int n = 0; n < 300; n++)
            {
                string damaged = MatMulFree.Fuzz.Mutations.Text(text, random);
                try
                {
                    TokenizerJson.Parse(damaged, "tok.json");
                }
                catch (TokenizerFileException)
                {
                }
            }
        }
    }
}
