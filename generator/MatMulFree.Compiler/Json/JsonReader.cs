using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace MatMulFree.Compiler.Json
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

    /// <summary>
    /// Strict RFC 8259 reader that records where each value starts. Hostile
    /// input is bounded: nesting deeper than <see cref="MaxDepth"/> is an error,
    /// duplicate object keys are an error, and nothing is allocated beyond the
    /// size of the text itself. It reports the first error and stops.
    /// </summary>
    public sealed class JsonReader
    {
        public const int MaxDepth = 64;

        private readonly string _text;
        private int _pos;
        private int _line = 1;
        private int _lineStart;

        private JsonReader(string text) => _text = text;

        public static JsonValue? Parse(string text, out JsonSyntaxError? error)
        {
            var reader = new JsonReader(text);
            try
            {
                reader.SkipWhitespace();
                var value = reader.ReadValue(0);
                reader.SkipWhitespace();
                if (reader._pos != text.Length)
                {
                    throw reader.Fail("unexpected text after the end of the JSON document");
                }
                error = null;
                return value;
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

        private SourceSpan Here(int length = 1) =>
            new SourceSpan(_pos, Math.Max(0, Math.Min(length, _text.Length - _pos)), _line, _pos - _lineStart + 1);

        private JsonFailure Fail(string message) => new JsonFailure(new JsonSyntaxError(message, Here()));

        private JsonFailure Fail(string message, SourceSpan at) => new JsonFailure(new JsonSyntaxError(message, at));

        private void SkipWhitespace()
        {
            while (_pos < _text.Length)
            {
                char c = _text[_pos];
                if (c == '\n')
                {
                    _pos++;
                    _line++;
                    _lineStart = _pos;
                }
                else if (c == ' ' || c == '\t' || c == '\r')
                {
                    _pos++;
                }
                else
                {
                    break;
                }
            }
        }

        private JsonValue ReadValue(int depth)
        {
            if (_pos >= _text.Length)
            {
                throw Fail("unexpected end of the document, a value was expected");
            }
            char c = _text[_pos];
            switch (c)
            {
                case '{': return ReadObject(depth + 1);
                case '[': return ReadArray(depth + 1);
                case '"':
                    {
                        var start = Here();
                        string s = ReadString();
                        return JsonValue.Scalar(JsonKind.String, Extend(start), s);
                    }
                case 't': return ReadLiteral("true", JsonKind.True);
                case 'f': return ReadLiteral("false", JsonKind.False);
                case 'n': return ReadLiteral("null", JsonKind.Null);
                default:
                    if (c == '-' || (c >= '0' && c <= '9'))
                    {
                        return ReadNumber();
                    }
                    throw Fail($"unexpected character '{Printable(c)}', a value was expected");
            }
        }

        private SourceSpan Extend(SourceSpan start) =>
            new SourceSpan(start.Start, _pos - start.Start, start.Line, start.Column);

        private static string Printable(char c) =>
            c < ' ' || c > '~' ? "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture) : c.ToString();

        private JsonValue ReadLiteral(string word, JsonKind kind)
        {
            var start = Here(word.Length);
            if (string.CompareOrdinal(_text, _pos, word, 0, word.Length) != 0)
            {
                throw Fail("invalid literal, expected '" + word + "'");
            }
            _pos += word.Length;
            return JsonValue.Scalar(kind, start, word);
        }

        private JsonValue ReadNumber()
        {
            var start = Here();
            int p = _pos;
            if (_text[p] == '-') p++;
            if (p >= _text.Length || !IsDigit(_text[p]))
            {
                throw Fail("invalid number: a digit must follow '-'");
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
                    _pos = p;
                    throw Fail("invalid number: a digit must follow '.'");
                }
                while (p < _text.Length && IsDigit(_text[p])) p++;
            }
            if (p < _text.Length && (_text[p] == 'e' || _text[p] == 'E'))
            {
                p++;
                if (p < _text.Length && (_text[p] == '+' || _text[p] == '-')) p++;
                if (p >= _text.Length || !IsDigit(_text[p]))
                {
                    _pos = p;
                    throw Fail("invalid number: the exponent has no digits");
                }
                while (p < _text.Length && IsDigit(_text[p])) p++;
            }
            string literal = _text.Substring(_pos, p - _pos);
            _pos = p;
            return JsonValue.Scalar(JsonKind.Number, Extend(start), literal);
        }

        private static bool IsDigit(char c) => c >= '0' && c <= '9';

        private string ReadString()
        {
            var opening = Here();
            _pos++; // opening quote
            int runStart = _pos;
            StringBuilder? sb = null;
            while (true)
            {
                if (_pos >= _text.Length)
                {
                    throw Fail("unterminated string (it starts here)", opening);
                }
                char c = _text[_pos];
                if (c == '"')
                {
                    string result = sb == null
                        ? _text.Substring(runStart, _pos - runStart)
                        : sb.Append(_text, runStart, _pos - runStart).ToString();
                    _pos++;
                    return result;
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
                sb ??= new StringBuilder();
                sb.Append(_text, runStart, _pos - runStart);
                var escape = Here(2);
                _pos++;
                if (_pos >= _text.Length)
                {
                    throw Fail("unterminated escape sequence", escape);
                }
                char e = _text[_pos];
                switch (e)
                {
                    case '"': sb.Append('"'); break;
                    case '\\': sb.Append('\\'); break;
                    case '/': sb.Append('/'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'u':
                        if (_pos + 4 >= _text.Length
                            || !int.TryParse(_text.Substring(_pos + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
                        {
                            throw Fail("invalid \\u escape: four hex digits expected", escape);
                        }
                        sb.Append((char)code);
                        _pos += 4;
                        break;
                    default:
                        throw Fail("invalid escape sequence '\\" + Printable(e) + "'", escape);
                }
                _pos++;
                runStart = _pos;
            }
        }

        private JsonValue ReadArray(int depth)
        {
            var start = Here();
            CheckDepth(depth);
            _pos++;
            var items = new List<JsonValue>();
            SkipWhitespace();
            if (_pos < _text.Length && _text[_pos] == ']')
            {
                _pos++;
                return JsonValue.Array(Extend(start), items);
            }
            while (true)
            {
                SkipWhitespace();
                items.Add(ReadValue(depth));
                SkipWhitespace();
                if (_pos >= _text.Length)
                {
                    throw Fail("unterminated array, ']' expected");
                }
                char c = _text[_pos++];
                if (c == ']')
                {
                    return JsonValue.Array(Extend(start), items);
                }
                if (c != ',')
                {
                    _pos--;
                    throw Fail("',' or ']' expected in array");
                }
            }
        }

        private JsonValue ReadObject(int depth)
        {
            var start = Here();
            CheckDepth(depth);
            _pos++;
            var props = new List<JsonProperty>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            SkipWhitespace();
            if (_pos < _text.Length && _text[_pos] == '}')
            {
                _pos++;
                return JsonValue.Object(Extend(start), props);
            }
            while (true)
            {
                SkipWhitespace();
                if (_pos >= _text.Length || _text[_pos] != '"')
                {
                    throw Fail(_pos >= _text.Length ? "unterminated object, '}' expected" : "property name in double quotes expected");
                }
                var nameStart = Here();
                string name = ReadString();
                var nameSpan = Extend(nameStart);
                if (!seen.Add(name))
                {
                    throw Fail("duplicate property \"" + name + "\"", nameSpan);
                }
                SkipWhitespace();
                if (_pos >= _text.Length || _text[_pos] != ':')
                {
                    throw Fail("':' expected after property name");
                }
                _pos++;
                SkipWhitespace();
                props.Add(new JsonProperty(name, nameSpan, ReadValue(depth)));
                SkipWhitespace();
                if (_pos >= _text.Length)
                {
                    throw Fail("unterminated object, '}' expected");
                }
                char c = _text[_pos++];
                if (c == '}')
                {
                    return JsonValue.Object(Extend(start), props);
                }
                if (c != ',')
                {
                    _pos--;
                    throw Fail("',' or '}' expected in object");
                }
            }
        }

        private void CheckDepth(int depth)
        {
            if (depth > MaxDepth)
            {
                throw Fail($"nesting deeper than {MaxDepth} levels");
            }
        }
    }
}
