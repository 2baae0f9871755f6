using System.Text;
using MatMulFree.Runtime.Tokenization;
using Xunit;

namespace MatMulFree.Tests.Runtime
{
    public sealed class TokenizerTests
    {
        private static readonly ByteTokenizer Tokenizer = new ByteTokenizer(259, 3, 1, 2);

        [Fact]
        public void Encodes_utf8_bytes_after_the_offset()
        {
            // 'A' = 0x41, 'é' = C3 A9.
            Assert.Equal(new[] { 1, 3 + 0x41, 3 + 0xC3, 3 + 0xA9 }, Tokenizer.Encode("Aé", addBos: true));
            Assert.Equal(new[] { 3 + 0x41 }, Tokenizer.Encode("A", addBos: false));
        }

        [Fact]
        public void Special_token_spelling_in_text_is_plain_text()
        {
            Assert.Equal(new[] { 3 + '<', 3 + 's', 3 + '>' }, Tokenizer.Encode("<s>", addBos: false));
        }

        [Fact]
        public void Specials_and_unused_ids_decode_to_nothing()
        {
            Assert.True(Tokenizer.Bytes(1).IsEmpty);
            Assert.True(Tokenizer.Bytes(0).IsEmpty);
            Assert.Equal(new byte[] { 0xFF }, Tokenizer.Bytes(258).ToArray());
            var wide = new ByteTokenizer(300, 3, 1, 2);
            Assert.True(wide.Bytes(299).IsEmpty);
        }

        [Fact]
        public void Streaming_decode_holds_a_split_character_until_complete()
        {
            var decoder = new StreamingTextDecoder(Tokenizer);
            Assert.Equal("", decoder.Append(3 + 0xE2)); // € = E2 82 AC
            Assert.Equal("", decoder.Append(3 + 0x82));
            Assert.Equal("€", decoder.Append(3 + 0xAC));
            Assert.Equal("a", decoder.Append(3 + 'a'));
        }

        [Fact]
        public void Invalid_utf8_becomes_replacement_characters_like_a_whole_decode()
        {
            byte[] bytes = { 0x61, 0xFF, 0xC3, 0x28, 0xE2, 0x82 };
            var decoder = new StreamingTextDecoder(Tokenizer);
            var sb = new StringBuilder();
            foreach (var b in bytes) sb.Append(decoder.Append(3 + b));
            sb.Append(decoder.Flush());
            Assert.Equal(new UTF8Encoding(false, false).GetString(bytes), sb.ToString());
        }

        [Fact]
        public void Round_trips_arbitrary_unicode()
        {
            string text = "Zhu et al. 2024 — ternary 🤖 «MatMul-free» 漢字 \u0000 end";
            var ids = Tokenizer.Encode(text, addBos: true);
            var decoder = new StreamingTextDecoder(Tokenizer);
            var sb = new StringBuilder();
            foreach (var id in ids) sb.Append(decoder.Append(id));
            sb.Append(decoder.Flush());
            Assert.Equal(text, sb.ToString());
        }
    }
}
