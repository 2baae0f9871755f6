using System.Collections.Generic;

namespace MatMulFree.Compiler.Model
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
    /// How text becomes token ids. Manifest v1 knows one kind, "byte": each UTF-8
    /// byte b is token <c>ByteOffset + b</c>, special tokens take other ids. The
    /// "type" field leaves room for a BPE vocabulary later.
    /// </summary>
    public sealed class TokenizerSpec
    {
        public const string ByteKind = "byte";

        public TokenizerSpec(string kind, int byteOffset, IReadOnlyList<SpecialToken> specialTokens)
        {
            Kind = kind;
            ByteOffset = byteOffset;
            SpecialTokens = specialTokens;
        }

        public string Kind { get; }
        public int ByteOffset { get; }
        public IReadOnlyList<SpecialToken> SpecialTokens { get; }
    }
}
