using System.Collections.Generic;

namespace MatMulFree.Compiler.Json
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
    /// One value of a JSON document with the place it came from. The manifest
    /// reader needs places for its error messages, which is why the project has
    /// its own small reader rather than System.Text.Json (also absent from
    /// netstandard2.0 source generators).
    /// </summary>
    public sealed class JsonValue
    {
        private JsonValue(JsonKind kind, SourceSpan span)
        {
            Kind = kind;
            Span = span;
        }

        public JsonKind Kind { get; }

        public SourceSpan Span { get; }

        /// <summary>String content, or a number's literal text.</summary>
        public string Text { get; private set; } = "";

        public IReadOnlyList<JsonValue> Items { get; private set; } = System.Array.Empty<JsonValue>();

        public IReadOnlyList<JsonProperty> Properties { get; private set; } = System.Array.Empty<JsonProperty>();

        internal static JsonValue Scalar(JsonKind kind, SourceSpan span, string text) =>
            new JsonValue(kind, span) { Text = text };

        internal static JsonValue Array(SourceSpan span, List<JsonValue> items) =>
            new JsonValue(JsonKind.Array, span) { Items = items };

        internal static JsonValue Object(SourceSpan span, List<JsonProperty> properties) =>
            new JsonValue(JsonKind.Object, span) { Properties = properties };

        /// <summary>The property named <paramref name="name"/>, or null.</summary>
        public JsonProperty? Find(string name)
        {
            foreach (var p in Properties)
            {
                if (p.Name == name)
                {
                    return p;
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
    }

    /// <summary>A member of a JSON object: its name, the name's place, its value.</summary>
    public sealed class JsonProperty
    {
        public JsonProperty(string name, SourceSpan nameSpan, JsonValue value)
        {
            Name = name;
            NameSpan = nameSpan;
            Value = value;
        }

        public string Name { get; }
        public SourceSpan NameSpan { get; }
        public JsonValue Value { get; }
    }
}
