using System;
using System.Collections.Generic;

namespace MatMulFree.Model
{
    /// <summary>The vectors a token step reads and writes (one row each per token of a batch).</summary>
    public enum StepVector
    {
        /// <summary>x, the residual stream [H].</summary>
        Residual,
        /// <summary>An RMS-normed copy of the residual, the input of a mixer [H].</summary>
        Normed,
        /// <summary>MLGRU i, later o, the gated state [H].</summary>
        Input,
        /// <summary>MLGRU f [H].</summary>
        Forget,
        /// <summary>MLGRU g [H].</summary>
        Gate,
        /// <summary>A mixer's output before the residual add [H].</summary>
        Mixed,
        /// <summary>The GLU's gate_proj output, gate then up [2I].</summary>
        Wide,
        /// <summary>silu(gate) * up [I].</summary>
        Glu,
        /// <summary>The block's recurrent state h [H], kept between steps.</summary>
        State,
        /// <summary>The next-token logits [V].</summary>
        Logits,
    }

    /// <summary>What one operation of the token step computes (docs/numerics.md gives each one's float order).</summary>
    public enum StepOperation
    {
        /// <summary>Output = the token's embedding row (full precision).</summary>
        Embed,
        /// <summary>Output = RMSNorm(Input) with the weight <see cref="StepOp.Values"/>.</summary>
        Norm,
        /// <summary>r = InverseRms(Input), a scalar shared by the BitLinears that follow with
        /// <see cref="StepOp.SharesInverseRms"/>; its Output names the same vector as its Input.</summary>
        InverseRms,
        /// <summary>Output = BitLinear(Input): its RMSNorm, int8 quantization, ternary product, dequantization.</summary>
        BitLinear,
        /// <summary>State = f * State + silu(Input) * (1 - f), f = sigmoid(Forget), bounded below by <see cref="StepOp.Values"/> when given.</summary>
        MlgruUpdate,
        /// <summary>Output = RMSNorm(Gate; <see cref="StepOp.Values"/>) * swish(State).</summary>
        MlgruGateOutput,
        /// <summary>Output = silu(Input[0..I)) * Input[I..2I).</summary>
        GluCombine,
        /// <summary>Output += Input.</summary>
        Residual,
    }

    /// <summary>A float vector of the model an operation reads (its name in the checkpoint's terms).</summary>
    public enum StepConstant
    {
        None,
        /// <summary>model.layers.L.attn_norm.weight</summary>
        AttentionNorm,
        /// <summary>model.layers.L.attn.g_norm.weight</summary>
        GateNorm,
        /// <summary>Row L of the derived forget-gate lower bounds.</summary>
        LowerBound,
        /// <summary>model.layers.L.mlp_norm.weight</summary>
        MlpNorm,
        /// <summary>model.norm.weight</summary>
        FinalNorm,
    }

    /// <summary>One operation of the token step, with its operands.</summary>
    public sealed class StepOp
    {
        internal StepOp(StepOperation kind, int block, StepVector[] inputs, StepVector output, BitLinearWeights? linear,
            StepConstant constant, float[]? values, bool sharesInverseRms, string? note)
        {
            Kind = kind;
            Block = block;
            Inputs = inputs;
            Output = output;
            Linear = linear;
            Constant = constant;
            Values = values;
            SharesInverseRms = sharesInverseRms;
            Note = note;
        }

        public StepOperation Kind { get; }
        /// <summary>The block the operation belongs to; -1 before and after the blocks.</summary>
        public int Block { get; }
        public IReadOnlyList<StepVector> Inputs { get; }
        public StepVector Output { get; }
        /// <summary>The layer of a <see cref="StepOperation.BitLinear"/>.</summary>
        public BitLinearWeights? Linear { get; }
        /// <summary>Which model vector <see cref="Values"/> is.</summary>
        public StepConstant Constant { get; }
        /// <summary>The norm weight or lower bound the operation reads; null when none.</summary>
        public float[]? Values { get; }
        /// <summary>A BitLinear that takes the inverse RMS of its input from the last
        /// <see cref="StepOperation.InverseRms"/> (its input is the same vector) instead of computing it.</summary>
        public bool SharesInverseRms { get; }
        /// <summary>What this operation and the ones after it do, for the comments of generated code; null when none.</summary>
        public string? Note { get; }
        /// <summary>After the last block: needed only where logits are wanted.</summary>
        public bool IsHead => Block < 0 && Kind != StepOperation.Embed;
    }

    /// <summary>
    /// The token step of a model as an ordered list of operations (docs/numerics.md):
    /// embed; per block, x += MLGRU(RMSNorm(x)) then x += GLU(RMSNorm(x)); the final norm
    /// and lm_head. This is the one place the order is written: the generic runtime
    /// executes it (one token, or a batch with the recurrence in token order), the C#
    /// emitter, the HLS firmware and the HLS report walk it.
    /// </summary>
    public sealed class StepProgram
    {
        private StepProgram(IReadOnlyList<StepOp> operations)
        {
            Operations = operations;
            var linears = new List<BitLinearWeights>();
            foreach (var op in operations)
            {
                if (op.Linear != null)
                {
                    linears.Add(op.Linear);
                }
            }
            BitLinears = linears;
        }

        public IReadOnlyList<StepOp> Operations { get; }

        /// <summary>Every BitLinear in execution order.</summary>
        public IReadOnlyList<BitLinearWeights> BitLinears { get; }

        /// <summary>The elements of <paramref name="vector"/>.</summary>
        public static int Length(StepVector vector, Architecture a)
        {
            switch (vector)
            {
                case StepVector.Wide: return 2 * a.Intermediate;
                case StepVector.Glu: return a.Intermediate;
                case StepVector.Logits: return a.Vocab;
                default: return a.Hidden;
            }
        }

        public static StepProgram Of(IReadOnlyList<BlockWeights> blocks, float[] finalNorm, BitLinearWeights lmHead)
        {
            var ops = new List<StepOp>();
            void Add(StepOperation kind, int block, StepVector output, StepVector[] inputs, BitLinearWeights? linear = null,
                StepConstant constant = StepConstant.None, float[]? values = null, bool shares = false, string? note = null) =>
                ops.Add(new StepOp(kind, block, inputs, output, linear, constant, values, shares, note));
            var none = Array.Empty<StepVector>();
            const StepVector x = StepVector.Residual, normed = StepVector.Normed, i = StepVector.Input, f = StepVector.Forget,
                g = StepVector.Gate, mixed = StepVector.Mixed, z = StepVector.Wide, u = StepVector.Glu, h = StepVector.State;

            Add(StepOperation.Embed, -1, x, none, note: "The token's embedding row starts the residual stream (full precision, not quantized).");
            foreach (var b in blocks)
            {
                int l = b.Index;
                var m = b.Mlgru;
                Add(StepOperation.Norm, l, normed, new[] { x }, constant: StepConstant.AttentionNorm, values: b.AttentionNorm,
                    note: "MLGRU: i, f and g are three BitLinear projections of one normed input; they share its inverse RMS.");
                Add(StepOperation.InverseRms, l, normed, new[] { normed });
                Add(StepOperation.BitLinear, l, i, new[] { normed }, m.Input, shares: true);
                Add(StepOperation.BitLinear, l, f, new[] { normed }, m.Forget, shares: true);
                Add(StepOperation.BitLinear, l, g, new[] { normed }, m.Gate, shares: true);
                Add(StepOperation.MlgruUpdate, l, h, new[] { i, f, h },
                    constant: m.LowerBound == null ? StepConstant.None : StepConstant.LowerBound, values: m.LowerBound,
                    note: m.LowerBound == null
                        ? "h = f * h + silu(i) * (1 - f) with f = sigmoid(f); layer 0 has no forget-gate lower bound."
                        : "h = f * h + silu(i) * (1 - f) with f = lb + (1 - lb) * sigmoid(f).");
                Add(StepOperation.MlgruGateOutput, l, i, new[] { g, h }, constant: StepConstant.GateNorm, values: m.GateNorm,
                    note: "o = RMSNorm(g) * swish(h), written over i, then the output projection.");
                Add(StepOperation.BitLinear, l, mixed, new[] { i }, m.Output);
                Add(StepOperation.Residual, l, x, new[] { mixed });
                Add(StepOperation.Norm, l, normed, new[] { x }, constant: StepConstant.MlpNorm, values: b.MlpNorm,
                    note: "GLU: gate and up projections in one BitLinear, silu(gate) * up, the down projection.");
                Add(StepOperation.BitLinear, l, z, new[] { normed }, b.Glu.GateUp);
                Add(StepOperation.GluCombine, l, u, new[] { z });
                Add(StepOperation.BitLinear, l, mixed, new[] { u }, b.Glu.Down);
                Add(StepOperation.Residual, l, x, new[] { mixed });
            }
            Add(StepOperation.Norm, -1, normed, new[] { x }, constant: StepConstant.FinalNorm, values: finalNorm,
                note: "Final RMSNorm, then lm_head, a BitLinear with its own RMSNorm: the state is normed twice.");
            Add(StepOperation.BitLinear, -1, StepVector.Logits, new[] { normed }, lmHead);
            return new StepProgram(ops);
        }

        /// <summary>The scratch vectors <paramref name="ops"/> read or write, in <see cref="StepVector"/> order,
        /// without the state and the logits (which the block's or step's caller holds): what an emitter declares.</summary>
        public static IReadOnlyList<StepVector> ScratchVectors(IEnumerable<StepOp> ops)
        {
            var used = new SortedSet<StepVector>();
            foreach (var op in ops)
            {
                foreach (var v in op.Inputs) used.Add(v);
                used.Add(op.Output);
            }
            used.Remove(StepVector.State);
            used.Remove(StepVector.Logits);
            return new List<StepVector>(used);
        }

        /// <summary>The ops of block <paramref name="block"/> (-1: those outside the blocks), in order.</summary>
        public IEnumerable<StepOp> OfBlock(int block)
        {
            foreach (var op in Operations)
            {
                if (op.Block == block)
                {
                    yield return op;
                }
            }
        }
    }
}
