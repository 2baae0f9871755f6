using System;

namespace MatMulFree.Compiler.Planning
{
    /// <summary>Where an integer term of a ternary product comes from.</summary>
    public enum OperandSource
    {
        /// <summary>q[Index], a quantized input activation.</summary>
        Input,
        /// <summary>p[Index], a shared sub-sum computed once per call.</summary>
        SharedSum,
    }

    /// <summary>An input activation or a shared sub-sum, with a sign.</summary>
    public readonly struct SignedOperand : IEquatable<SignedOperand>
    {
        public SignedOperand(OperandSource source, int index, bool negative)
        {
            Source = source;
            Index = index;
            Negative = negative;
        }

        public OperandSource Source { get; }
        public int Index { get; }
        public bool Negative { get; }

        public bool Equals(SignedOperand other) => Source == other.Source && Index == other.Index && Negative == other.Negative;
        public override bool Equals(object? obj) => obj is SignedOperand o && Equals(o);
        public override int GetHashCode() => (Index * 4) ^ ((int)Source * 2) ^ (Negative ? 1 : 0);
    }

    /// <summary>
    /// p[Index] = Left + Right, or Left - Right when <see cref="Subtract"/>: one
    /// addition, computed once and read by every row whose weights contain the
    /// same signed pattern over the same input columns.
    /// </summary>
    public sealed class SharedSum
    {
        public SharedSum(int index, SignedOperand left, SignedOperand right, bool subtract, int firstColumn, string pattern)
        {
            Index = index;
            Left = left;
            Right = right;
            Subtract = subtract;
            FirstColumn = firstColumn;
            Pattern = pattern;
        }

        public int Index { get; }
        /// <summary>Always added (never negative).</summary>
        public SignedOperand Left { get; }
        public SignedOperand Right { get; }
        public bool Subtract { get; }
        /// <summary>The first input column of its group.</summary>
        public int FirstColumn { get; }
        /// <summary>The signs over the group's columns, e.g. "+0-+" (for comments).</summary>
        public string Pattern { get; }
    }
}
