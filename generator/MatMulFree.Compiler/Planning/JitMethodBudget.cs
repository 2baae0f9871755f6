using System.Collections.Generic;

namespace MatMulFree.Compiler.Planning
{
    /// <summary>
    /// Where generated straight-line code is cut into methods. RyuJIT compiles a
    /// method with MinOpts (no optimization, for good) when it exceeds 60,000 IL
    /// bytes, 20,000 IL instructions, 2,000 basic blocks, 2,000 locals or 8,000
    /// local references. The emitted statements read spans with constant indices:
    /// a term <c>q[k]</c> is 4 IL instructions (ldarga, ldc.i4, call get_Item,
    /// ldind) and at most 13 bytes, plus 1 instruction (1 byte) for its add; a
    /// store <c>acc[n] = ...</c> adds 4 instructions and 13 bytes. Methods are
    /// filled to <see cref="MaxInstructions"/> and <see cref="MaxBytes"/>, three
    /// quarters of the limits, leaving room for the estimate's slack; every span
    /// access is one argument reference, kept under <see cref="MaxReferences"/>;
    /// the code has no branches (one basic block) and no locals. Over vectors of tokens
    /// (the batched form) a term is ldarga, ldc.i4, call get_Item, ldobj (17 bytes) and its
    /// add a call (5 bytes), and a store ends in stobj: <see cref="Split"/> with vectors
    /// counts 22 bytes a term and 17 a store.
    /// A test reads the IL of the compiled output and checks the real figures.
    /// </summary>
    public static class JitMethodBudget
    {
        public const int MaxInstructions = 15_000;
        public const int MaxBytes = 45_000;
        public const int MaxReferences = 6_000;

        private const int TermInstructions = 5;
        private const int TermBytes = 14;
        private const int StoreInstructions = 4;
        private const int StoreBytes = 13;
        private const int VectorTermBytes = 22;
        private const int VectorStoreBytes = 17;

        /// <summary>Cost of one statement that stores the sum of <paramref name="terms"/> operands.</summary>
        public static (int Instructions, int Bytes, int References) Statement(int terms, bool vectors = false) =>
            (terms * TermInstructions + StoreInstructions, terms * (vectors ? VectorTermBytes : TermBytes) + (vectors ? VectorStoreBytes : StoreBytes), terms + 1);

        /// <summary>Splits statements (given by their term counts) into consecutive ranges that fit one method;
        /// <paramref name="vectors"/>: statements over vectors of tokens.</summary>
        public static IReadOnlyList<(int Start, int Count)> Split(IReadOnlyList<int> termsPerStatement, bool vectors = false)
        {
            var ranges = new List<(int, int)>();
            int start = 0, instructions = 0, bytes = 0, references = 0;
            for (int k = 0; k < termsPerStatement.Count; k++)
            {
                var cost = Statement(termsPerStatement[k], vectors);
                if (k > start && (instructions + cost.Instructions > MaxInstructions || bytes + cost.Bytes > MaxBytes || references + cost.References > MaxReferences))
                {
                    ranges.Add((start, k - start));
                    start = k;
                    instructions = bytes = references = 0;
                }
                instructions += cost.Instructions;
                bytes += cost.Bytes;
                references += cost.References;
            }
            if (termsPerStatement.Count > start)
            {
                ranges.Add((start, termsPerStatement.Count - start));
            }
            return ranges;
        }
    }
}
