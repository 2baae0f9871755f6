using System;
using System.Text;
using MatMulFree.Model;

namespace MatMulFree.Runtime.Tokenization
{
    /// <summary>
    /// The byte-level tokenizer of manifest v1: UTF-8 byte b is id ByteOffset + b;
    /// special tokens have ids outside that range; other ids decode to nothing.
    /// </summary>
    public sealed class ByteTokenizer : ITokenizer
    {
        private readonly byte[] _bytes = new byte[256];
        private readonly int _offset;

        public ByteTokenizer(int vocabSize, int byteOffset, int bos, int eos)
        {
            if (byteOffset < 0 || byteOffset + 256 > vocabSize)
            {
                throw new ArgumentOutOfRangeException(nameof(byteOffset), "the 256 byte ids must lie inside the vocabulary");
            }
            VocabSize = vocabSize;
            _offset = byteOffset;
            Bos = bos;
            Eos = eos;
            for (int b = 0; b < 256; b++)
            {
                _bytes[b] = (byte)b;
            }
        }

        public int VocabSize { get; }
        public int Bos { get; }
        public int Eos { get; }

        public int[] Encode(string text, bool addBos)
        {
            var utf8 = Encoding.UTF8.GetBytes(text);
            int start = addBos ? 1 : 0;
            var ids = new int[utf8.Length + start];
            if (addBos)
            {
                ids[0] = Bos;
            }
            for (int k = 0; k < utf8.Length; k++)
            {
                ids[start + k] = _offset + utf8[k];
            }
            return ids;
        }

        public ReadOnlySpan<byte> Bytes(int id)
        {
            int b = id - _offset;
            return (uint)b < 256u ? _bytes.AsSpan(b, 1) : ReadOnlySpan<byte>.Empty;
        }
    }

    /// <summary>Makes the tokenizer a manifest describes.</summary>
    public static class TokenizerFactory
    {
        public static ITokenizer Create(TokenizerSpec spec, Architecture architecture)
        {
            if (spec.Kind == TokenizerSpec.ByteKind)
            {
                return new ByteTokenizer(architecture.Vocab, spec.ByteOffset, architecture.Bos, architecture.Eos);
            }
            if (spec.Kind == TokenizerSpec.BpeKind)
            {
                var merges = new (string, string)[spec.Merges.Count];
                for (int k = 0; k < merges.Length; k++)
                {
                    string m = spec.Merges[k];
                    int space = m.IndexOf(' ');
                    merges[k] = (m.Substring(0, space), m.Substring(space + 1));
                }
                var special = new System.Collections.Generic.HashSet<int>();
                foreach (var s in spec.SpecialTokens) special.Add(s.Id);
                return new BpeTokenizer(spec.Pieces, merges, architecture.Bos, architecture.Eos, spec.Unk, special);
            }
            throw new NotSupportedException($"tokenizer type \"{spec.Kind}\" is not supported");
        }
    }
}
