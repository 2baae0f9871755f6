using System;
using System.Collections.Generic;
using System.Text;

namespace MatMulFree.Runtime.Tokenization
{
    /// <summary>
    /// The Llama tokenizer: SentencePiece-style BPE as Hugging Face's tokenizer.json
    /// describes it. Encoding: spaces become '▁' and one '▁' is put in front (the
    /// prefix-space rule), the text is split into code points, merges are applied
    /// lowest rank first (leftmost first among equals), and a symbol missing from the
    /// vocabulary falls back to its UTF-8 bytes as "&lt;0xNN&gt;" pieces (or &lt;unk&gt;).
    /// Decoding reverses it: byte pieces become bytes, '▁' a space, the leading space
    /// of the prefix rule is dropped, and invalid UTF-8 becomes U+FFFD.
    /// The text to encode is data: the spelling of a special token in it is encoded
    /// as ordinary text, never as the special id.
    /// </summary>
    public sealed class BpeTokenizer : ITokenizer
    {
        public const char SpaceMarker = '\u2581';

        private readonly Dictionary<string, int> _ids;
        private readonly byte[][] _bytes;
        private readonly Dictionary<(string, string), int> _ranks;
        private readonly int[] _byteIds = new int[256];

        /// <param name="pieces">Piece text by id (index = id); null for unused ids.</param>
        /// <param name="merges">Merge rules, highest priority first.</param>
        /// <param name="special">Ids that decode to nothing (&lt;s&gt;, &lt;/s&gt;, &lt;unk&gt; and the like).</param>
        public BpeTokenizer(IReadOnlyList<string?> pieces, IReadOnlyList<(string Left, string Right)> merges, int bos, int eos, int unk, ISet<int> special)
        {
            VocabSize = pieces.Count;
            Bos = bos;
            Eos = eos;
            Unk = unk;
            _ids = new Dictionary<string, int>(StringComparer.Ordinal);
            _bytes = new byte[pieces.Count][];
            for (int b = 0; b < 256; b++)
            {
                _byteIds[b] = -1;
            }
            for (int id = 0; id < pieces.Count; id++)
            {
                string? piece = pieces[id];
                if (piece == null)
                {
                    _bytes[id] = Array.Empty<byte>();
                    continue;
                }
                _ids.TryAdd(piece, id);
                if (special.Contains(id))
                {
                    _bytes[id] = Array.Empty<byte>();
                }
                else if (IsBytePiece(piece, out byte value))
                {
                    _bytes[id] = new[] { value };
                    if (_byteIds[value] < 0)
                    {
                        _byteIds[value] = id;
                    }
                }
                else
                {
                    _bytes[id] = Encoding.UTF8.GetBytes(piece.Replace(SpaceMarker, ' '));
                }
            }
            _ranks = new Dictionary<(string, string), int>();
            for (int r = 0; r < merges.Count; r++)
            {
                _ranks.TryAdd(merges[r], r);
            }
        }

        public int VocabSize { get; }
        public int Bos { get; }
        public int Eos { get; }
        public int Unk { get; }

        /// <summary>"&lt;0x41&gt;" is the byte 0x41.</summary>
        public static bool IsBytePiece(string piece, out byte value)
        {
            value = 0;
            if (piece.Length != 6 || !piece.StartsWith("<0x", StringComparison.Ordinal) || piece[5] != '>')
            {
                return false;
            }
            return byte.TryParse(piece.AsSpan(3, 2), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out value);
        }

        public int[] Encode(string text, bool addBos)
        {
            var ids = new List<int>();
            if (addBos)
            {
                ids.Add(Bos);
            }
            if (text.Length == 0)
            {
                return ids.ToArray();
            }
            string normalized = SpaceMarker + text.Replace(' ', SpaceMarker);
            foreach (var symbol in Merge(normalized))
            {
                if (_ids.TryGetValue(symbol, out int id))
                {
                    ids.Add(id);
                    continue;
                }
                foreach (byte b in Encoding.UTF8.GetBytes(symbol))
                {
                    ids.Add(_byteIds[b] >= 0 ? _byteIds[b] : Unk);
                }
            }
            return ids.ToArray();
        }

        public ReadOnlySpan<byte> Bytes(int id) => (uint)id < (uint)_bytes.Length ? _bytes[id] : ReadOnlySpan<byte>.Empty;

        /// <summary>The text of a whole sequence: bytes joined, decoded, the prefix space dropped.</summary>
        public string Decode(ReadOnlySpan<int> ids)
        {
            var bytes = new List<byte>();
            foreach (int id in ids)
            {
                bytes.AddRange(Bytes(id).ToArray());
            }
            string text = new UTF8Encoding(false, false).GetString(bytes.ToArray());
            return text.StartsWith(" ", StringComparison.Ordinal) ? text.Substring(1) : text;
        }

        /// <summary>BPE over the code points of <paramref name="text"/>: a linked list of symbols and a
        /// heap of candidate pairs by (rank, position); stale candidates are skipped when popped.</summary>
        private List<string> Merge(string text)
        {
            var symbols = new List<string>();
            for (int k = 0; k < text.Length; k++)
            {
                bool pair = char.IsHighSurrogate(text[k]) && k + 1 < text.Length && char.IsLowSurrogate(text[k + 1]);
                symbols.Add(text.Substring(k, pair ? 2 : 1));
                if (pair) k++;
            }
            int n = symbols.Count;
            var next = new int[n];
            var prev = new int[n];
            var alive = new bool[n];
            for (int k = 0; k < n; k++)
            {
                next[k] = k + 1 < n ? k + 1 : -1;
                prev[k] = k - 1;
                alive[k] = true;
            }
            var heap = new PriorityQueue<(int Left, string A, string B), (int Rank, int Position)>();
            void Consider(int left)
            {
                int right = left >= 0 ? next[left] : -1;
                if (left >= 0 && right >= 0 && _ranks.TryGetValue((symbols[left], symbols[right]), out int rank))
                {
                    heap.Enqueue((left, symbols[left], symbols[right]), (rank, left));
                }
            }
            for (int k = 0; k + 1 < n; k++)
            {
                Consider(k);
            }
            while (heap.TryDequeue(out var candidate, out _))
            {
                int left = candidate.Left;
                int right = next[left];
                if (!alive[left] || right < 0 || symbols[left] != candidate.A || symbols[right] != candidate.B)
                {
                    continue; // a merge since changed this pair
                }
                symbols[left] = candidate.A + candidate.B;
                alive[right] = false;
                next[left] = next[right];
                if (next[right] >= 0)
                {
                    prev[next[right]] = left;
                }
                Consider(prev[left]);
                Consider(left);
            }
            var result = new List<string>();
            for (int k = 0; k >= 0 && k < n; k = next[k])
            {
                result.Add(symbols[k]);
            }
            return result;
        }
    }
}
