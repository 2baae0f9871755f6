using System.Collections;
using System.Collections.Generic;
using MatMulFree.Model.Text;

namespace MatMulFree.Model.Json
{
    public enum JsonKind
    {
        Object,
        Array,
        String,
        Number,
        True,
        False,
        Null,
    }

    /// <summary>
    /// One value of a parsed JSON document with the place it came from: a small
    /// view of one row of its <see cref="JsonTree"/>, made when it is asked for, so
    /// the document costs a row per value rather than an object graph. The manifest
    /// reader needs places for its error messages, which is why the project has its
    /// own small reader rather than System.Text.Json (also absent from netstandard2.0
    /// source generators).
    /// </summary>
    public sealed class JsonValue
    {
        private readonly JsonTree _tree;
        private readonly int _row;

        internal JsonValue(JsonTree tree, int row)
        {
            _tree = tree;
            _row = row;
        }

        public JsonKind Kind => _tree.KindOf(_row);

        /// <summary>Where the value is in the text (line and column are found when asked for).</summary>
        public SourceSpan Span => _tree.SpanOf(_row);

        /// <summary>String content (escapes decoded), or a number's or literal's text.</summary>
        public string Text => _tree.TextOf(_row);

        /// <summary>True when the value is a string without escapes: then its characters are
        /// <paramref name="length"/> characters of <paramref name="source"/> from <paramref name="start"/>,
        /// which a caller may read in place (base64 tensor data: no copy of a long string).</summary>
        public bool TryGetRawString(out string source, out int start, out int length) => _tree.TryGetRaw(_row, out source, out start, out length);

        /// <summary>True for a value the reader was told to skip (checked as JSON, not kept):
        /// it has no items and no properties.</summary>
        public bool IsSkipped => _tree.IsSkipped(_row);

        /// <summary>An array's items (empty for anything else).</summary>
        public IReadOnlyList<JsonValue> Items => Kind == JsonKind.Array
            ? new RowList<JsonValue>(_tree, _row, (t, r) => new JsonValue(t, r))
            : (IReadOnlyList<JsonValue>)System.Array.Empty<JsonValue>();

        /// <summary>An object's members in document order (empty for anything else).</summary>
        public IReadOnlyList<JsonProperty> Properties => Kind == JsonKind.Object
            ? new RowList<JsonProperty>(_tree, _row, (t, r) => new JsonProperty(t, r))
            : (IReadOnlyList<JsonProperty>)System.Array.Empty<JsonProperty>();

        /// <summary>The property named <paramref name="name"/>, or null.</summary>
        public JsonProperty? Find(string name)
        {
            if (Kind != JsonKind.Object)
            {
                return null;
            }
            foreach (int nameRow in _tree.Children(_row))
            {
                if (_tree.TextEquals(nameRow, name))
                {
                    return new JsonProperty(_tree, nameRow);
                }
            }
            return null;
        }

        public string KindName => Kind switch
        {
            JsonKind.Object => "an object",
            JsonKind.Array => "an array",
            JsonKind.String => "a string",
            JsonKind.Number => "a number",
            JsonKind.Null => "null",
            _ => "a boolean",
        };

        /// <summary>A container's children as a list, each made when it is asked for.</summary>
        private sealed class RowList<T> : IReadOnlyList<T>
        {
            private readonly JsonTree _tree;
            private readonly int _row;
            private readonly System.Func<JsonTree, int, T> _make;

            public RowList(JsonTree tree, int row, System.Func<JsonTree, int, T> make)
            {
                _tree = tree;
                _row = row;
                _make = make;
            }

            public int Count => _tree.ChildCount(_row);

            public T this[int index] => _make(_tree, _tree.ChildAt(_row, index));

            public IEnumerator<T> GetEnumerator()
            {
                foreach (int child in _tree.Children(_row))
                {
                    yield return _make(_tree, child);
                }
            }

            IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
        }
    }

    /// <summary>A member of a JSON object: its name, the name's place, its value.</summary>
    public sealed class JsonProperty
    {
        private readonly JsonTree _tree;
        private readonly int _nameRow;

        internal JsonProperty(JsonTree tree, int nameRow)
        {
            _tree = tree;
            _nameRow = nameRow;
        }

        public string Name => _tree.TextOf(_nameRow);
        public SourceSpan NameSpan => _tree.SpanOf(_nameRow);

        /// <summary>The name when it has at most <paramref name="max"/> characters, else null: a lookup of
        /// a hostile key of a gigabyte costs nothing.</summary>
        public string? NameUpTo(int max) => _tree.RawLength(_nameRow) <= max ? Name : null;

        /// <summary>Does the name equal <paramref name="name"/>? Makes no string.</summary>
        public bool NameIs(string name) => _tree.TextEquals(_nameRow, name);

        /// <summary>The name as a message shows it (<see cref="MatMulFree.Model.Text.DisplayText"/>, at most 80 characters),
        /// made from its first characters only.</summary>
        public string ShortName => MatMulFree.Model.Text.DisplayText.Of(_tree.TextPrefix(_nameRow, 81), 80);
        public JsonValue Value => new JsonValue(_tree, _nameRow + 1);
    }
}
