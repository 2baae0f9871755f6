using System;

namespace MatMulFree.Runtime.Tokenization
{
    /// <summary>Text to token ids and token ids back to bytes.</summary>
    public interface ITokenizer
    {
        int VocabSize { get; }

        /// <summary>The id that starts a sequence (&lt;s&gt;).</summary>
        int Bos { get; }

        /// <summary>The id that ends one (&lt;/s&gt;).</summary>
        int Eos { get; }

        /// <summary>
        /// The ids of <paramref name="text"/>, preceded by BOS when asked. The text
        /// is data: a special token's spelling inside it is encoded as plain text,
        /// never as the special id.
        /// </summary>
        int[] Encode(string text, bool addBos);

        /// <summary>The bytes token <paramref name="id"/> stands for: empty for special and unused ids.</summary>
        ReadOnlySpan<byte> Bytes(int id);
    }
}
