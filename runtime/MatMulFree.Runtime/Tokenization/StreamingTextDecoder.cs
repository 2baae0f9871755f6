using System;
using System.Text;

namespace MatMulFree.Runtime.Tokenization
{
    /// <summary>
    /// Turns token bytes into text as tokens arrive. A UTF-8 character split over
    /// several tokens is held until it is complete; bytes that can never form
    /// valid UTF-8 become U+FFFD, as they would in a whole-string decode.
    /// </summary>
    public sealed class StreamingTextDecoder
    {
        private readonly ITokenizer _tokenizer;
        private readonly Decoder _decoder = new UTF8Encoding(false, false).GetDecoder();
        private readonly char[] _chars = new char[16];

        public StreamingTextDecoder(ITokenizer tokenizer) => _tokenizer = tokenizer;

        /// <summary>The text that token <paramref name="id"/> completes (possibly empty).</summary>
        public string Append(int id) => Decode(_tokenizer.Bytes(id), flush: false);

        /// <summary>Whatever is still held, at the end of a stream.</summary>
        public string Flush() => Decode(ReadOnlySpan<byte>.Empty, flush: true);

        public void Reset() => _decoder.Reset();

        private string Decode(ReadOnlySpan<byte> bytes, bool flush)
        {
            int n = _decoder.GetChars(bytes, _chars, flush);
            return n == 0 ? string.Empty : new string(_chars, 0, n);
        }
    }
}
