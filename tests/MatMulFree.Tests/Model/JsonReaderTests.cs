using MatMulFree.Model.Json;
using Xunit;

namespace MatMulFree.Tests.Model
{
    public sealed class JsonReaderTests
    {
        [Fact]
        public void Reads_values_with_their_places()
        {
            var root = JsonReader.Parse("{\n  \"a\": [1, -2.5e3, \"x\\u00e9\\n\"],\n  \"b\": {\"c\": null, \"d\": true}\n}", out var error);
            Assert.Null(error);
            var a = root!.Find("a")!.Value;
            Assert.Equal(JsonKind.Array, a.Kind);
            Assert.Equal((2, 8), (a.Span.Line, a.Span.Column));
            Assert.Equal("-2.5e3", a.Items[1].Text);
            Assert.Equal("x\u00e9\n", a.Items[2].Text);
            var b = root.Find("b")!;
            Assert.Equal((3, 3), (b.NameSpan.Line, b.NameSpan.Column));
            Assert.Equal(JsonKind.True, b.Value.Find("d")!.Value.Kind);
        }

        [Theory]
        [InlineData("{\"a\": 1,}", 1, 9, "property name")]
        [InlineData("{\"a\": [1 2]}", 1, 10, "',' or ']'")]
        [InlineData("{\n\"a\": \"abc", 2, 6, "unterminated string")]
        [InlineData("{\"a\": 01}", 1, 8, "',' or '}'")]
        [InlineData("{\"a\": 1, \"a\": 2}", 1, 10, "duplicate property")]
        [InlineData("{\"a\": \"x\ty\"}", 1, 9, "control character")]
        [InlineData("{\"a\": tru}", 1, 7, "invalid literal")]
        [InlineData("{} x", 1, 4, "after the end")]
        [InlineData("", 1, 1, "unexpected end")]
        [InlineData("{\"a\": \"\\q\"}", 1, 8, "invalid escape")]
        [InlineData("[1.]", 1, 4, "digit must follow '.'")]
        public void Reports_the_first_error_with_line_and_column(string text, int line, int column, string message)
        {
            Assert.Null(JsonReader.Parse(text, out var error));
            Assert.Contains(message, error!.Message);
            Assert.Equal((line, column), (error.Span.Line, error.Span.Column));
        }

        [Fact]
        public void Refuses_nesting_deeper_than_the_limit_without_overflowing_the_stack()
        {
            string deep = new string('[', 100_000) + new string(']', 100_000);
            Assert.Null(JsonReader.Parse(deep, out var error));
            Assert.Contains("nesting deeper than 64", error!.Message);
            string ok = new string('[', JsonReader.MaxDepth) + new string(']', JsonReader.MaxDepth);
            Assert.NotNull(JsonReader.Parse(ok, out _));
        }
    }
}
