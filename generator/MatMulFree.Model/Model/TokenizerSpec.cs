using System.Collections.Generic;

namespace MatMulFree.Model
{
    /// <summary>A special token of the vocabulary, such as &lt;s&gt;.</summary>
    public sealed class SpecialToken
    {
        public SpecialToken(string text, int id)
        {
            Text = text;
            Id = id;
        }

        public string Text { get; }
        public int Id { get; }
    }

    /// <summary>
    /// How text becomes token ids. "byte": each UTF-8 byte b is token
    /// <c>ByteOffset + b</c>, special tokens take other ids. "bpe": the Llama
    /// tokenizer, a SentencePiece-style BPE with <see cref="Pieces"/> (index = id)
    /// and <see cref="Merges"/> ("a b", highest priority first).
    /// </summary>
    public sealed class TokenizerSpec
    {
        public const string ByteKind = "byte";
        public const string BpeKind = "bpe";

        public TokenizerSpec(string kind, int byteOffset, IReadOnlyList<SpecialToken> specialTokens)
            : this(kind, byteOffset, specialTokens, System.Array.Empty<string?>(), System.Array.Empty<string>(), -1)
        {
        }

        public TokenizerSpec(string kind, int byteOffset, IReadOnlyList<SpecialToken> specialTokens,
            IReadOnlyList<string?> pieces, IReadOnlyList<string> merges, int unk)
        {
            Kind = kind;
            ByteOffset = byteOffset;
            SpecialTokens = specialTokens;
            Pieces = pieces;
            Merges = merges;
            Unk = unk;
        }

        /// <summary>"bpe": piece text by id (null for an unused id).</summary>
        public IReadOnlyList<string?> Pieces { get; }

        /// <summary>"bpe": merge rules "a b", highest priority first.</summary>
        public IReadOnlyList<string> Merges { get; }

        /// <summary>"bpe": the id of unknown symbols without byte pieces.</summary>
        public int Unk { get; }

        public string Kind { get; }
        public int ByteOffset { get; }
        public IReadOnlyList<SpecialToken> SpecialTokens { get; }
    }
}
