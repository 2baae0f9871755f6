using System;
using System.Collections.Generic;
using System.Globalization;
using MatMulFree.Model.Text;

namespace MatMulFree.Model.Json
{
    /// <summary>A JSON syntax error at a place in the text.</summary>
    public sealed class JsonSyntaxError
    {
        public JsonSyntaxError(string message, SourceSpan span)
        {
            Message = message;
            Span = span;
        }

        public string Message { get; }
        public SourceSpan Span { get; }
    }

    /// <summary>What a reader keeps of a document.</summary>
    public sealed class JsonReaderOptions
    {
        /// <summary>Default <see cref="MaxValues"/>: 4 Mi rows, 64 MiB of table. A manifest of the
        /// largest released checkpoint has about 100,000 values (pieces, merges, tensor entries); one with
        /// a vocabulary of the 1,048,576 allowed and 2 Mi merges, about 3.1 Mi.</summary>
        public const int DefaultMaxValues = 1 << 22;

        /// <summary>Values (and property names) a document may have beyond those skipped; more is an
        /// error, so that the table stays bounded whatever the text (a value costs 16 bytes).</summary>
        public int MaxValues { get; set; } = DefaultMaxValues;

        /// <summary>Properties of the top-level object whose values are checked as JSON but not kept
        /// (free-form metadata): they cost no rows and have no items or properties.</summary>
        public IReadOnlyCollection<string> SkipTopLevel { get; set; } = Array.Empty<string>();

        /// <summary>When set, the only properties of the top-level object whose values are kept: every
        /// other one is skipped as with <see cref="SkipTopLevel"/> (its name is kept, for the reader to
        /// refuse or ignore).</summary>
        public IReadOnlyCollection<string>? KeepTopLevel { get; set; }
    }

    /// <summary>
    /// Strict RFC 8259 reader that records where each value starts. Hostile input
    /// is bounded: nesting deeper than <see cref="MaxDepth"/> is an error, duplicate
    /// object keys are an error, and the document is kept as a table of 16-byte rows
    /// over the text (<see cref="JsonTree"/>), at most <see cref="JsonReaderOptions.MaxValues"/>
    /// of them, so memory is the text and a bounded table, never an object per value.
    /// It reports the first error and stops.
    /// </summary>
    public sealed class JsonReader
    {
        public const int MaxDepth = 64;

        /// <summary>Rows a tree can count its children in (26 bits): <see cref="JsonReaderOptions.MaxValues"/> is held under it.</summary>
        public const int MaxRows = (1 << 25) - 1;

        private int MaxValues => Math.Min(_options.MaxValues, MaxRows);

        private readonly string _text;
        private readonly JsonTree _tree;
        private readonly JsonReaderOptions _options;
        private int _pos;

        private JsonReader(string text, JsonReaderOptions options)
        {
            _text = text;
            _options = options;
            // A first guess from the text's length; the table grows as needed.
            _tree = new JsonTree(text, (int)Math.Min(Math.Min(options.MaxValues, 1 << 16), text.Length / 8 + 16));
        }

        public static JsonValue? Parse(string text, out JsonSyntaxError? error) => Parse(text, new JsonReaderOptions(), out error);

        public static JsonValue? Parse(string text, JsonReaderOptions options, out JsonSyntaxError? error)
        {
            var reader = new JsonReader(text, options);
            try
            {
                reader.SkipWhitespace();
                reader.ReadValue(0, skip: false);
                reader.SkipWhitespace();
                if (reader._pos != text.Length)
                {
                    throw reader.Fail("unexpected text after the end of the JSON document");
                }
                error = null;
                return reader._tree.Root;
            }
            catch (JsonFailure f)
            {
                error = f.Error;
                return null;
            }
        }

        private sealed class JsonFailure : Exception
        {
            public JsonFailure(JsonSyntaxError error) => Error = error;
            public JsonSyntaxError Error { get; }
        }

        private JsonFailure Fail(string message) => Fail(message, _pos, 1);

        private JsonFailure Fail(string message, int start, int length) =>
            new JsonFailure(new JsonSyntaxError(message, _tree.Locate(start, Math.Max(0, Math.Min(length, _text.Length - start)))));

        private void SkipWhitespace()
        {
            while (_pos < _text.Length)
            {
                char c = _text[_pos];
                if (c == ' ' || c == '\n' || c == '\t' || c == '\r')
                {
                    _pos++;
                }
                else
                {
                    break;
                }
            }
        }

        /// <summary>Reads one value; with <paramref name="skip"/>, checks it and adds no rows.</summary>
        private void ReadValue(int depth, bool skip)
        {
            if (_pos >= _text.Length)
            {
                throw Fail("unexpected end of the document, a value was expected");
            }
            char c = _text[_pos];
            switch (c)
            {
                case '{': ReadObject(depth + 1, skip); return;
                case '[': ReadArray(depth + 1, skip); return;
                case '"':
                    {
                        int start = _pos;
                        bool escapes = ReadString();
                        AddRow(JsonKind.String, start, _pos - start, escapes, skip);
                        return;
                    }
                case 't': ReadLiteral("true", JsonKind.True, skip); return;
                case 'f': ReadLiteral("false", JsonKind.False, skip); return;
                case 'n': ReadLiteral("null", JsonKind.Null, skip); return;
                default:
                    if (c == '-' || (c >= '0' && c <= '9'))
                    {
                        ReadNumber(skip);
                        return;
                    }
                    throw Fail($"unexpected character '{Printable(c)}', a value was expected");
            }
        }

        private int AddRow(JsonKind kind, int start, int length, bool escapes, bool skip)
        {
            if (skip)
            {
                return -1;
            }
            if (_tree.Count >= MaxValues)
            {
                throw Fail($"more than {MaxValues:N0} JSON values: refused as too large to hold");
            }
            return _tree.Add(kind, start, length, escapes);
        }

        private static string Printable(char c) =>
            c < ' ' || c > '~' ? "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture) : c.ToString();

        private void ReadLiteral(string word, JsonKind kind, bool skip)
        {
            if (string.CompareOrdinal(_text, _pos, word, 0, word.Length) != 0)
            {
                throw Fail("invalid literal, expected '" + word + "'", _pos, word.Length);
            }
            AddRow(kind, _pos, word.Length, false, skip);
            _pos += word.Length;
        }

        private void ReadNumber(bool skip)
        {
            int start = _pos;
            int p = _pos;
            if (_text[p] == '-') p++;
            if (p >= _text.Length || !IsDigit(_text[p]))
            {
                throw Fail("invalid number: a digit must follow '-'", start, 1);
            }
            if (_text[p] == '0')
            {
                p++;
            }
            else
            {
                while (p < _text.Length && IsDigit(_text[p])) p++;
            }
            if (p < _text.Length && _text[p] == '.')
            {
                p++;
                if (p >= _text.Length || !IsDigit(_text[p]))
                {
                    throw Fail("invalid number: a digit must follow '.'", p, 1);
                }
                while (p < _text.Length && IsDigit(_text[p])) p++;
            }
            if (p < _text.Length && (_text[p] == 'e' || _text[p] == 'E'))
            {
                p++;
                if (p < _text.Length && (_text[p] == '+' || _text[p] == '-')) p++;
                if (p >= _text.Length || !IsDigit(_text[p]))
                {
                    throw Fail("invalid number: the exponent has no digits", p, 1);
                }
                while (p < _text.Length && IsDigit(_text[p])) p++;
            }
            AddRow(JsonKind.Number, start, p - start, false, skip);
            _pos = p;
        }

        private static bool IsDigit(char c) => c >= '0' && c <= '9';

        /// <summary>Checks a string token and moves past it; true when it has escapes.</summary>
        private bool ReadString()
        {
            int opening = _pos;
            _pos++; // opening quote
            bool escapes = false;
            while (true)
            {
                if (_pos >= _text.Length)
                {
                    throw Fail("unterminated string (it starts here)", opening, 1);
                }
                char c = _text[_pos];
                if (c == '"')
                {
                    _pos++;
                    return escapes;
                }
                if (c < ' ')
                {
                    throw Fail("control character " + Printable(c) + " inside a string (escape it)");
                }
                if (c != '\\')
                {
                    _pos++;
                    continue;
                }
                escapes = true;
                int escape = _pos;
                _pos++;
                if (_pos >= _text.Length)
                {
                    throw Fail("unterminated escape sequence", escape, 2);
                }
                char e = _text[_pos];
                switch (e)
                {
                    case '"':
                    case '\\':
                    case '/':
                    case 'b':
                    case 'f':
                    case 'n':
                    case 'r':
                    case 't':
                        break;
                    case 'u':
                        if (_pos + 4 >= _text.Length
                            || JsonTree.Hex(_text[_pos + 1]) < 0 || JsonTree.Hex(_text[_pos + 2]) < 0
                            || JsonTree.Hex(_text[_pos + 3]) < 0 || JsonTree.Hex(_text[_pos + 4]) < 0)
                        {
                            throw Fail("invalid \\u escape: four hex digits expected", escape, 2);
                        }
                        _pos += 4;
                        break;
                    default:
                        throw Fail("invalid escape sequence '\\" + Printable(e) + "'", escape, 2);
                }
                _pos++;
            }
        }

        private void ReadArray(int depth, bool skip)
        {
            int start = _pos;
            CheckDepth(depth);
            int row = AddRow(JsonKind.Array, start, 0, false, skip);
            _pos++;
            int count = 0;
            SkipWhitespace();
            if (_pos < _text.Length && _text[_pos] == ']')
            {
                _pos++;
                Close(row, count);
                return;
            }
            while (true)
            {
                SkipWhitespace();
                ReadValue(depth, skip);
                count++;
                SkipWhitespace();
                if (_pos >= _text.Length)
                {
                    throw Fail("unterminated array, ']' expected");
                }
                char c = _text[_pos++];
                if (c == ']')
                {
                    Close(row, count);
                    return;
                }
                if (c != ',')
                {
                    _pos--;
                    throw Fail("',' or ']' expected in array");
                }
            }
        }

        private void Close(int row, int count)
        {
            if (row >= 0)
            {
                _tree.Close(row, _pos, count);
            }
        }

        private void ReadObject(int depth, bool skip)
        {
            int start = _pos;
            CheckDepth(depth);
            int row = AddRow(JsonKind.Object, start, 0, false, skip);
            bool top = row == 0;
            _pos++;
            int count = 0;
            var names = skip ? null : new NameSet(_tree);
            SkipWhitespace();
            if (_pos < _text.Length && _text[_pos] == '}')
            {
                _pos++;
                Close(row, count);
                return;
            }
            while (true)
            {
                SkipWhitespace();
                if (_pos >= _text.Length || _text[_pos] != '"')
                {
                    throw Fail(_pos >= _text.Length ? "unterminated object, '}' expected" : "property name in double quotes expected");
                }
                int nameStart = _pos;
                bool escapes = ReadString();
                if (!skip)
                {
                    // The name is a row even when its value is skipped, so duplicates are still found.
                    if (_tree.Count >= MaxValues)
                    {
                        throw Fail($"more than {MaxValues:N0} JSON values: refused as too large to hold");
                    }
                    int nameRow = _tree.Add(JsonKind.String, nameStart, _pos - nameStart, escapes);
                    if (!names!.Add(nameRow))
                    {
                        throw Fail("duplicate property \"" + MatMulFree.Model.Text.DisplayText.Of(_tree.TextPrefix(nameRow, 81), 80) + "\"", nameStart, _pos - nameStart);
                    }
                }
                SkipWhitespace();
                if (_pos >= _text.Length || _text[_pos] != ':')
                {
                    throw Fail("':' expected after property name");
                }
                _pos++;
                SkipWhitespace();
                bool skipValue = skip || (top && IsSkipped());
                if (skipValue && !skip)
                {
                    // A skipped value keeps one row: its kind and place, no children.
                    int valueStart = _pos;
                    ReadValue(depth, skip: true);
                    _tree.Add(KindAt(valueStart), valueStart, _pos - valueStart, false, skipped: true);
                }
                else
                {
                    ReadValue(depth, skip);
                }
                count++;
                SkipWhitespace();
                if (_pos >= _text.Length)
                {
                    throw Fail("unterminated object, '}' expected");
                }
                char c = _text[_pos++];
                if (c == '}')
                {
                    Close(row, count);
                    return;
                }
                if (c != ',')
                {
                    _pos--;
                    throw Fail("',' or '}' expected in object");
                }
            }
        }

        private JsonKind KindAt(int start) => _text[start] switch
        {
            '{' => JsonKind.Object,
            '[' => JsonKind.Array,
            '"' => JsonKind.String,
            't' => JsonKind.True,
            'f' => JsonKind.False,
            'n' => JsonKind.Null,
            _ => JsonKind.Number,
        };

        /// <summary>Is the value of the top-level property whose name was just read to be skipped?</summary>
        private bool IsSkipped()
        {
            int nameRow = _tree.Count - 1;
            if (_options.KeepTopLevel != null)
            {
                foreach (var name in _options.KeepTopLevel)
                {
                    if (_tree.TextEquals(nameRow, name))
                    {
                        return false;
                    }
                }
                return true;
            }
            foreach (var name in _options.SkipTopLevel)
            {
                if (_tree.TextEquals(nameRow, name))
                {
                    return true;
                }
            }
            return false;
        }

        private void CheckDepth(int depth)
        {
            if (depth > MaxDepth)
            {
                throw Fail($"nesting deeper than {MaxDepth} levels");
            }
        }

        /// <summary>The names seen in one object, compared by decoded text without making strings.</summary>
        private sealed class NameSet : IEqualityComparer<int>
        {
            private const int LinearLimit = 8;
            private readonly JsonTree _tree;
            private readonly List<int> _few = new List<int>();
            private HashSet<int>? _many;

            public NameSet(JsonTree tree) => _tree = tree;

            public bool Add(int row)
            {
                if (_many != null)
                {
                    return _many.Add(row);
                }
                foreach (int other in _few)
                {
                    if (_tree.SameText(other, row))
                    {
                        return false;
                    }
                }
                _few.Add(row);
                if (_few.Count > LinearLimit)
                {
                    _many = new HashSet<int>(_few, this);
                }
                return true;
            }

            public bool Equals(int a, int b) => _tree.SameText(a, b);

            public int GetHashCode(int row) => _tree.TextHash(row);
        }
    }
}
