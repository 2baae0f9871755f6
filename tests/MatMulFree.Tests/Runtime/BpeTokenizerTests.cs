using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using MatMulFree.Runtime.Tokenization;
using Xunit;

namespace MatMulFree.Tests.Runtime
{
    /// <summary>
    /// The Llama-style BPE on a vocabulary built here by hand: ids 0-2 specials,
    /// 3-258 the byte pieces &lt;0x00&gt;..&lt;0xFF&gt;, then a few pieces and the merges
    /// that build "▁hello" and "▁wor". Expected ids are worked out by hand in the comments.
    /// </summary>
    public sealed class BpeTokenizerTests
    {
        private const char S = BpeTokenizer.SpaceMarker;

        private static BpeTokenizer Build(bool bytePieces = true)
        {
            var pieces = new List<string?> { "<unk>", "<s>", "</s>" };
            for (int b = 0; b < 256; b++) pieces.Add(bytePieces ? $"<0x{b:X2}>" : null);
            pieces.AddRange(new[]
            {
                $"{S}", "h", "e", "l", "o", "ll", $"{S}h", $"{S}he", "llo", $"{S}hello", // 259-268
                "w", "r", "d", "or", $"{S}w", $"{S}wor",                               // 269-274
            });
            var merges = new List<(string, string)>
            {
                ("l", "l"), ($"{S}", "h"), ($"{S}h", "e"), ("ll", "o"), ($"{S}he", "llo"),
                ("o", "r"), ($"{S}", "w"), ($"{S}w", "or"),
            };
            return new BpeTokenizer(pieces, merges, bos: 1, eos: 2, unk: 0, special: new HashSet<int> { 0, 1, 2 });
        }

        [Fact]
        public void Encodes_by_merge_rank()
        {
            // "▁hello▁world": l+l, ▁+h, ▁h+e, ll+o, ▁he+llo, o+r, ▁+w, ▁w+or leave ▁hello ▁wor l d.
            Assert.Equal(new[] { 1, 268, 274, 262, 271 }, Build().Encode("hello world", addBos: true));
        }

        [Fact]
        public void Equal_ranks_merge_leftmost_first()
        {
            // "▁lll": (l, l) at 1 and at 2; the left one wins: ▁ ll l.
            Assert.Equal(new[] { 259, 264, 262 }, Build().Encode("lll", addBos: false));
        }

        [Fact]
        public void Unknown_symbols_fall_back_to_bytes_or_unk()
        {
            // "▁hé!": ▁h, then é = C3 A9 and ! = 21 as byte pieces (id 3 + byte).
            Assert.Equal(new[] { 265, 3 + 0xC3, 3 + 0xA9, 3 + 0x21 }, Build().Encode("hé!", addBos: false));
            Assert.Equal(new[] { 265, 0, 0, 0 }, Build(bytePieces: false).Encode("hé!", addBos: false));
        }

        [Fact]
        public void Special_token_spelling_is_plain_text()
        {
            var ids = Build().Encode("<s>", addBos: false);
            Assert.DoesNotContain(1, ids);
            Assert.Equal("<s>", Build().Decode(ids));
        }

        [Fact]
        public void Decodes_spaces_bytes_and_the_prefix_rule()
        {
            var t = Build();
            Assert.Equal("hello world", t.Decode(new[] { 1, 268, 274, 262, 271, 2 }));
            Assert.Equal(" hi", t.Decode(t.Encode(" hi", addBos: true)));
            Assert.Equal("\uFFFD", t.Decode(new[] { 3 + 0xFF }));          // a lone 0xFF byte
            Assert.Equal("a\uFFFD", t.Decode(new[] { 3 + (int)'a', 3 + 0xE2, 3 + 0x82 })); // a truncated 3-byte character
        }

        [Fact]
        public void Round_trips_arbitrary_unicode()
        {
            var t = Build();
            var random = new Random(11);
            string[] parts = { "hello", " ", "world", "é", "漢字", "🤖", "\u0000", "\t", "  ", "lll", "wor", "ñ", "\U0001F600" };
            for (int n = 0; n < 300; n++)
            {
                var sb = new StringBuilder();
                for (int k = random.Next(0, 12); k > 0; k--) sb.Append(parts[random.Next(parts.Length)]);
                string text = sb.ToString();
                Assert.Equal(text, t.Decode(t.Encode(text, addBos: true)));
            }
        }

        [Fact]
        public void Empty_text_is_only_bos()
        {
            Assert.Equal(new[] { 1 }, Build().Encode("", addBos: true));
        }

        [Fact]
        public void A_long_text_round_trips()
        {
            // 192,000 characters in one "word" (Llama has no pre-tokenizer): the heap-based merge handles it.
            string text = string.Concat(Enumerable.Repeat("hello world ", 16_000));
            var ids = Build().Encode(text, addBos: false);
            Assert.Equal(4 * 16_000 + 1, ids.Length); // "▁hello", "▁wor", "l", "d" per repeat, and the final space alone as "▁"
            Assert.Equal(text, Build().Decode(ids));
        }
    }
}
