using System;
using System.Collections.Generic;
using System.Text;

namespace MatMulFree.Model.Json
{
    /// <summary>
    /// A parsed JSON document as a flat table of rows over its text, one row of 16
    /// bytes per value (and per property name), in document order: the layout of
    /// System.Text.Json's JsonDocument. A container's row gives how many rows its
    /// subtree has, so its children are found by skipping; nothing else is
    /// allocated until a value is asked for (<see cref="JsonValue"/> is a view of a
    /// row). Strings stay in the text: their content is made when asked for.
    /// </summary>
    internal sealed class JsonTree
    {
        private const int KindBits = 0x7;
        private const int EscapesFlag = 0x8;
        private const int SkippedFlag = 0x10;
        /// <summary>Set on a container whose children are all scalars: child k is at a fixed row.</summary>
        private const int FlatFlag = 0x20;
        private const int CountShift = 6;

        private readonly string _text;
        private Row[] _rows;
        private int _count;
        private int[]? _lineStarts;
        private Dictionary<int, int[]>? _childIndex;

        private struct Row
        {
            public int Start;
            public int Length;
            public int Info;
            public int Descendants;
        }

        public JsonTree(string text, int capacity)
        {
            _text = text;
            _rows = new Row[Math.Max(16, capacity)];
        }

        public string Text => _text;

        public int Count => _count;

        public JsonValue Root => new JsonValue(this, 0);

        public int Add(JsonKind kind, int start, int length, bool escapes = false, bool skipped = false)
        {
            if (_count == _rows.Length)
            {
                // Grow by half: a doubling array's peak (old and new alive) is three times its rows.
                Array.Resize(ref _rows, _rows.Length + _rows.Length / 2);
            }
            _rows[_count] = new Row { Start = start, Length = length, Info = (int)kind | (escapes ? EscapesFlag : 0) | (skipped ? SkippedFlag : 0) };
            return _count++;
        }

        /// <summary>Closes a container opened at <paramref name="row"/>: its extent, child count and subtree size.</summary>
        public void Close(int row, int end, int children)
        {
            ref var r = ref _rows[row];
            r.Length = end - r.Start;
            r.Descendants = _count - row - 1;
            bool flat = r.Descendants == children * (KindOf(row) == JsonKind.Object ? 2 : 1);
            r.Info |= (flat ? FlatFlag : 0) | children << CountShift;
        }

        public JsonKind KindOf(int row) => (JsonKind)(_rows[row].Info & KindBits);

        public bool IsSkipped(int row) => (_rows[row].Info & SkippedFlag) != 0;

        public int ChildCount(int row) => IsSkipped(row) ? 0 : (int)((uint)_rows[row].Info >> CountShift);

        /// <summary>The rows of a container's children (for an object: its name rows; each value follows its name).</summary>
        public IEnumerable<int> Children(int row)
        {
            int n = ChildCount(row);
            bool isObject = KindOf(row) == JsonKind.Object;
            int child = row + 1;
            for (int k = 0; k < n; k++)
            {
                yield return child;
                int value = isObject ? child + 1 : child;
                child = value + 1 + _rows[value].Descendants;
            }
        }

        /// <summary>The row of a container's child at <paramref name="index"/>: computed for a container
        /// of scalars, else looked up in the container's index (made once).</summary>
        public int ChildAt(int row, int index)
        {
            if ((uint)index >= (uint)ChildCount(row))
            {
                throw new ArgumentOutOfRangeException(nameof(index));
            }
            if ((_rows[row].Info & FlatFlag) != 0)
            {
                return row + 1 + index * (KindOf(row) == JsonKind.Object ? 2 : 1);
            }
            return ChildRows(row)[index];
        }

        /// <summary>The rows of a container's children, indexed once per container.</summary>
        private int[] ChildRows(int row)
        {
            int n = ChildCount(row);
            lock (this)
            {
                _childIndex ??= new Dictionary<int, int[]>();
                if (!_childIndex.TryGetValue(row, out var index))
                {
                    index = new int[n];
                    int k = 0;
                    foreach (int child in Children(row))
                    {
                        index[k++] = child;
                    }
                    _childIndex[row] = index;
                }
                return index;
            }
        }

        public SourceSpan SpanOf(int row)
        {
            var r = _rows[row];
            return Locate(r.Start, r.Length);
        }

        /// <summary>Line and column of a character offset, from a table of line starts made on first use.</summary>
        public SourceSpan Locate(int start, int length)
        {
            var lines = _lineStarts;
            if (lines == null)
            {
                var list = new List<int> { 0 };
                for (int k = 0; k < _text.Length; k++)
                {
                    if (_text[k] == '\n')
                    {
                        list.Add(k + 1);
                    }
                }
                _lineStarts = lines = list.ToArray();
            }
            int line = Array.BinarySearch(lines, start);
            if (line < 0)
            {
                line = ~line - 1;
            }
            return new SourceSpan(start, length, line + 1, start - lines[line] + 1);
        }

        public string TextOf(int row)
        {
            var r = _rows[row];
            var kind = (JsonKind)(r.Info & KindBits);
            if (kind != JsonKind.String)
            {
                return kind == JsonKind.Object || kind == JsonKind.Array ? "" : _text.Substring(r.Start, r.Length);
            }
            if ((r.Info & EscapesFlag) == 0)
            {
                return _text.Substring(r.Start + 1, r.Length - 2);
            }
            var sb = new StringBuilder(r.Length);
            foreach (char c in Decoded(r))
            {
                sb.Append(c);
            }
            return sb.ToString();
        }

        /// <summary>A string row's length in the text without its quotes (at least its decoded length).</summary>
        public int RawLength(int row) => _rows[row].Length - 2;

        /// <summary>At most the first <paramref name="max"/> characters of a string row's decoded text.</summary>
        public string TextPrefix(int row, int max)
        {
            var r = _rows[row];
            if ((r.Info & EscapesFlag) == 0)
            {
                return _text.Substring(r.Start + 1, Math.Min(max, r.Length - 2));
            }
            var sb = new StringBuilder(max);
            foreach (char c in Decoded(r))
            {
                if (sb.Length == max)
                {
                    break;
                }
                sb.Append(c);
            }
            return sb.ToString();
        }

        public bool TryGetRaw(int row, out string source, out int start, out int length)
        {
            var r = _rows[row];
            source = _text;
            start = r.Start + 1;
            length = r.Length - 2;
            return (JsonKind)(r.Info & KindBits) == JsonKind.String && (r.Info & EscapesFlag) == 0;
        }

        /// <summary>Does a string row hold exactly <paramref name="value"/> (escapes decoded)? Allocates nothing.</summary>
        public bool TextEquals(int row, string value)
        {
            var r = _rows[row];
            if ((r.Info & EscapesFlag) == 0)
            {
                return r.Length - 2 == value.Length && string.CompareOrdinal(_text, r.Start + 1, value, 0, value.Length) == 0;
            }
            int k = 0;
            foreach (char c in Decoded(r))
            {
                if (k >= value.Length || value[k] != c)
                {
                    return false;
                }
                k++;
            }
            return k == value.Length;
        }

        /// <summary>Do two string rows hold the same text (escapes decoded)?</summary>
        public bool SameText(int a, int b)
        {
            var ra = _rows[a];
            var rb = _rows[b];
            if (((ra.Info | rb.Info) & EscapesFlag) == 0)
            {
                return ra.Length == rb.Length && string.CompareOrdinal(_text, ra.Start, _text, rb.Start, ra.Length) == 0;
            }
            using var x = Decoded(ra).GetEnumerator();
            using var y = Decoded(rb).GetEnumerator();
            while (true)
            {
                bool more = x.MoveNext();
                if (more != y.MoveNext())
                {
                    return false;
                }
                if (!more)
                {
                    return true;
                }
                if (x.Current != y.Current)
                {
                    return false;
                }
            }
        }

        /// <summary>A hash of a string row's decoded text (FNV-1a over its characters).</summary>
        public int TextHash(int row)
        {
            var r = _rows[row];
            uint h = 2166136261;
            if ((r.Info & EscapesFlag) == 0)
            {
                for (int k = r.Start + 1; k < r.Start + r.Length - 1; k++)
                {
                    h = (h ^ _text[k]) * 16777619;
                }
                return (int)h;
            }
            foreach (char c in Decoded(r))
            {
                h = (h ^ c) * 16777619;
            }
            return (int)h;
        }

        /// <summary>The characters of a string row with its escapes decoded (the reader has checked them).</summary>
        private IEnumerable<char> Decoded(Row r)
        {
            int end = r.Start + r.Length - 1;
            for (int k = r.Start + 1; k < end; k++)
            {
                char c = _text[k];
                if (c != '\\')
                {
                    yield return c;
                    continue;
                }
                char e = _text[++k];
                switch (e)
                {
                    case 'b': yield return '\b'; break;
                    case 'f': yield return '\f'; break;
                    case 'n': yield return '\n'; break;
                    case 'r': yield return '\r'; break;
                    case 't': yield return '\t'; break;
                    case 'u':
                        yield return (char)(Hex(_text[k + 1]) << 12 | Hex(_text[k + 2]) << 8 | Hex(_text[k + 3]) << 4 | Hex(_text[k + 4]));
                        k += 4;
                        break;
                    default: yield return e; break; // " \ /
                }
            }
        }

        internal static int Hex(char c) =>
            c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }
}
