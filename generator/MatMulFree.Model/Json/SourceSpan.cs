using System;

namespace MatMulFree.Model.Json
{
    /// <summary>
    /// A place in a manifest's text: character offset and length, and the
    /// 1-based line and column of its start. Plain values, so diagnostics can be
    /// rebuilt from it without holding any Roslyn object.
    /// </summary>
    public readonly struct SourceSpan : IEquatable<SourceSpan>
    {
        public SourceSpan(int start, int length, int line, int column)
        {
            Start = start;
            Length = length;
            Line = line;
            Column = column;
        }

        public int Start { get; }
        public int Length { get; }
        public int Line { get; }
        public int Column { get; }

        public bool Equals(SourceSpan other) =>
            Start == other.Start && Length == other.Length && Line == other.Line && Column == other.Column;

        public override bool Equals(object? obj) => obj is SourceSpan s && Equals(s);

        public override int GetHashCode() => Start * 31 + Length;

        public override string ToString() => $"({Line},{Column})";

        /// <summary>The place of one character of <paramref name="text"/> (its line and column counted).</summary>
        public static SourceSpan At(string text, int offset)
        {
            int line = 1, lineStart = 0;
            for (int k = 0; k < offset; k++)
            {
                if (text[k] == '\n')
                {
                    line++;
                    lineStart = k + 1;
                }
            }
            return new SourceSpan(offset, 1, line, offset - lineStart + 1);
        }
    }
}
