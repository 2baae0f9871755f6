using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using MatMulFree.Compiler.Emit;
using MatMulFree.Compiler.Planning;
using MatMulFree.Model;
using MatMulFree.Model.Text;

namespace MatMulFree.Compiler.Hls
{
    /// <summary>Estimated cost of one part of the design (docs/hls.md gives the model).</summary>
    public sealed class HlsCost
    {
        public HlsCost(string name, string form, string shape, long nonZeros, long additionsPlain, long additions,
            long romBits, long lut, long ff, long bram18, long dsp, long cycles)
        {
            Name = name;
            Form = form;
            Shape = shape;
            NonZeros = nonZeros;
            AdditionsPlain = additionsPlain;
            Additions = additions;
            RomBits = romBits;
            Lut = lut;
            Ff = ff;
            Bram18 = bram18;
            Dsp = dsp;
            Cycles = cycles;
        }

        public string Name { get; }
        public string Form { get; }
        public string Shape { get; }
        public long NonZeros { get; }
        /// <summary>Additions of the plain row sums (non-zeros - 1 per row).</summary>
        public long AdditionsPlain { get; }
        /// <summary>Additions the hardware performs per token in this form.</summary>
        public long Additions { get; }
        public long RomBits { get; }
        public long Lut { get; }
        public long Ff { get; }
        public long Bram18 { get; }
        public long Dsp { get; }
        public long Cycles { get; }
    }

    /// <summary>
    /// A resource and latency estimate of an emitted project: per BitLinear, for
    /// the element-wise datapaths, for the on-chip memories, and in total. An
    /// analytic model, not a synthesis result: docs/hls.md states every formula;
    /// Vitis HLS's csynth report is the authority once it has run.
    /// </summary>
    public sealed class HlsReport
    {
        // Float operators as Vitis HLS maps them on UltraScale+ by default: fmul 3 DSP, fadd/fsub 2 DSP;
        // fdiv and the integer sqrt in LUTs. Per element-wise kernel: (multiplies, adds) in its loop body.
        private static readonly Dictionary<string, (int Mul, int Add)> KernelOps = new Dictionary<string, (int, int)>
        {
            ["inverse_rms"] = (1, 1),
            ["rms_apply"] = (2, 0),
            ["quantize"] = (5, 0),
            ["dequantize"] = (1, 0),
            ["add"] = (0, 1),
            ["mlgru_update"] = (26, 26),
            ["mlgru_gate_output"] = (15, 11),
            ["glu_combine"] = (13, 11),
        };

        /// <summary>Pipeline depth assumed for an element-wise loop: its latency before the first result.</summary>
        private const int LoopLatency = 40;

        public HlsReport(HlsPlan plan)
        {
            Plan = plan;
            var a = plan.Model.Architecture;
            var layers = new List<HlsCost>();
            foreach (var l in plan.Layers)
            {
                layers.Add(l.Form == ProductForm.Unrolled ? Unrolled(l) : Folded(l));
            }
            Layers = layers;

            // Element-wise datapaths: one instance per kernel and vector length; cycles per token from the passes of every block.
            long dsp = 0, lut = 0, ff = 0;
            foreach (var op in KernelOps)
            {
                dsp += 3L * op.Value.Mul + 2L * op.Value.Add;
                lut += 300L * (op.Value.Mul + op.Value.Add);
                ff += 400L * (op.Value.Mul + op.Value.Add);
            }
            lut += 3 * 800; // fdiv in inverse_rms, quantize and the sigmoids
            // Cycles per token: every element-wise pass of the step, as firmware/<top>.c makes them.
            long elementwiseCycles = 0;
            foreach (var op in plan.Model.Step.Operations)
            {
                foreach (long n in Passes(op, a))
                {
                    elementwiseCycles += n + LoopLatency;
                }
            }
            ElementWise = new HlsCost("element-wise (norms, quantizers, MLGRU and GLU cells)", "pipelined loops", "-", 0, 0, 0, 0, lut, ff, 0, dsp, elementwiseCycles);

            long embeddingBits = 32L * a.Vocab * a.Hidden;
            long stateBits = 32L * a.Layers * a.Hidden;
            long h = a.Hidden, i = a.Intermediate;
            long normBits = 32L * ((long)a.Layers * (3 * h + 4 * h + i + (a.Layers > 1 ? h : 0)) + 2 * h);
            Memories = new HlsCost("on-chip memories (embeddings, norm weights, state)", "BRAM", "-", 0, 0, 0, 0, 0, 0,
                Ceil(embeddingBits, 18432) + Ceil(stateBits, 18432) + Ceil(normBits, 18432), 0, 0);

            long totalLut = ElementWise.Lut, totalFf = ElementWise.Ff, totalBram = Memories.Bram18, totalDsp = ElementWise.Dsp;
            long totalCycles = ElementWise.Cycles, rom = 0, additions = 0, plain = 0, nonZeros = 0;
            foreach (var c in layers)
            {
                totalLut += c.Lut;
                totalFf += c.Ff;
                totalBram += c.Bram18;
                totalDsp += c.Dsp;
                totalCycles += c.Cycles;
                rom += c.RomBits;
                additions += c.Additions;
                plain += c.AdditionsPlain;
                nonZeros += c.NonZeros;
            }
            Total = new HlsCost("total", "-", "-", nonZeros, plain, additions, rom, totalLut, totalFf, totalBram, totalDsp, totalCycles);
        }

        /// <summary>The lengths of the element-wise loops one operation of the step runs (its
        /// BitLinear's product is costed apart): inverse RMS and RMSNorm apply one pass each,
        /// activation quantization two (absmax, then round), dequantization one.</summary>
        private static IEnumerable<long> Passes(StepOp op, Architecture a)
        {
            long input = op.Inputs.Count > 0 ? StepProgram.Length(op.Inputs[0], a) : 0;
            long output = StepProgram.Length(op.Output, a);
            switch (op.Kind)
            {
                case StepOperation.Norm:
                case StepOperation.MlgruGateOutput:
                    return new[] { input, input };
                case StepOperation.BitLinear:
                    return op.SharesInverseRms ? new[] { input, input, output } : new[] { input, input, input, output };
                default:
                    return new[] { output };
            }
        }

        public HlsPlan Plan { get; }
        public IReadOnlyList<HlsCost> Layers { get; }
        public HlsCost ElementWise { get; }
        public HlsCost Memories { get; }
        public HlsCost Total { get; }

        public double LatencyMicroseconds => Total.Cycles * Plan.Options.ClockNs / 1000.0;
        public double TokensPerSecond => 1e9 / (Total.Cycles * Plan.Options.ClockNs);

        private static long Ceil(long a, long b) => (a + b - 1) / b;

        private static int Log2Ceil(long v)
        {
            int r = 0;
            while ((1L << r) < v) r++;
            return r;
        }

        /// <summary>Bits of a signed sum of up to n int8 values in [-127, 127].</summary>
        private static int SumWidth(long n) => Log2Ceil(127 * n + 1) + 1;

        private static HlsCost Unrolled(LayerPlan l)
        {
            var p = l.Product;
            int accWidth = SumWidth(p.Columns);
            int sharedWidth = SumWidth(p.GroupSize);
            long rowAdds = p.AdditionsAfter - p.SharedSums.Count;
            int deepest = 1;
            foreach (var row in p.RowTerms) deepest = Math.Max(deepest, row.Length);
            long lut = p.SharedSums.Count * (long)sharedWidth + rowAdds * accWidth;
            long ff = (long)p.Rows * accWidth + p.SharedSums.Count * (long)sharedWidth;
            long cycles = 2 + Log2Ceil(deepest) + (p.GroupSize > 1 ? Log2Ceil(p.GroupSize) : 0);
            return new HlsCost(l.Weights.Name, "unrolled", $"{p.Columns}->{p.Rows}", p.NonZeros, p.AdditionsBefore, p.AdditionsAfter,
                0, lut, ff, 0, 0, cycles);
        }

        private static HlsCost Folded(LayerPlan l)
        {
            var p = l.Product;
            int accWidth = SumWidth(p.Columns);
            long rom = 2L * l.Fold!.RowsPadded * l.Fold!.ColumnsPadded;
            long lanes = (long)l.Fold!.Pe * l.Fold!.Simd;
            long lut = lanes * 10 + (long)l.Fold!.Pe * (l.Fold!.Simd - 1) * 10 + (long)l.Fold!.Pe * accWidth;
            long ff = (long)l.Fold!.Pe * (accWidth + 9L * l.Fold!.Simd);
            long depth = (long)l.Fold!.NeuronFold * l.Fold!.SynapseFold;
            long bram = (long)l.Fold!.Pe * Ceil(2L * l.Fold!.Simd, 36) * Ceil(depth, 512);
            long cycles = depth + Log2Ceil(l.Fold!.Simd) + 3;
            return new HlsCost(l.Weights.Name, $"folded PE={l.Fold!.Pe} SIMD={l.Fold!.Simd}", $"{p.Columns}->{p.Rows}", p.NonZeros, p.AdditionsBefore,
                (long)l.Fold!.RowsPadded * l.Fold!.ColumnsPadded, rom, lut, ff, bram, 0, cycles);
        }

        public string ToMarkdown()
        {
            var c = CultureInfo.InvariantCulture;
            var o = Plan.Options;
            var sb = new StringBuilder();
            sb.Append($"# Estimated resources and latency: {Plan.Top}\n\n");
            sb.Append($"Model {MarkdownText.Code(Plan.Model.Name)}, part {o.Part}, clock {o.ClockNs.ToString("0.###", c)} ns. ");
            sb.Append("An analytic estimate (MatMulFree docs/hls.md), not a synthesis result: run `vitis_hls -f build.tcl` for csynth's figures.\n\n");
            sb.Append("| part | form | shape | non-zeros | additions plain | additions | ROM bits | LUT | FF | BRAM18 | DSP | cycles |\n");
            sb.Append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            foreach (var r in Rows())
            {
                sb.Append(string.Format(c, "| {0} | {1} | {2} | {3:N0} | {4:N0} | {5:N0} | {6:N0} | {7:N0} | {8:N0} | {9:N0} | {10:N0} | {11:N0} |\n",
                    r.Name, r.Form, r.Shape, r.NonZeros, r.AdditionsPlain, r.Additions, r.RomBits, r.Lut, r.Ff, r.Bram18, r.Dsp, r.Cycles));
            }
            sb.Append(string.Format(c, "\nPer token: {0:N0} cycles = {1:F2} us at {2} ns, about {3:N0} tokens/s. Ternary layers use {4} DSP.\n",
                Total.Cycles, LatencyMicroseconds, o.ClockNs.ToString("0.###", c), TokensPerSecond, SumLayerDsp()));
            return sb.ToString();
        }

        private long SumLayerDsp()
        {
            long d = 0;
            foreach (var l in Layers) d += l.Dsp;
            return d;
        }

        private IEnumerable<HlsCost> Rows()
        {
            foreach (var l in Layers) yield return l;
            yield return ElementWise;
            yield return Memories;
            yield return Total;
        }

        public string ToJson()
        {
            var c = CultureInfo.InvariantCulture;
            var sb = new StringBuilder();
            sb.Append("{\n");
            sb.Append($"  \"top\": {JsonText.Quote(Plan.Top)},\n  \"model\": {JsonText.Quote(Plan.Model.Name)},\n  \"part\": {JsonText.Quote(Plan.Options.Part)},\n");
            sb.Append($"  \"clock_ns\": {Plan.Options.ClockNs.ToString("R", c)},\n");
            sb.Append($"  \"cycles_per_token\": {Total.Cycles},\n  \"latency_us\": {LatencyMicroseconds.ToString("R", c)},\n  \"tokens_per_second\": {TokensPerSecond.ToString("R", c)},\n");
            sb.Append("  \"layers\": [\n");
            for (int k = 0; k < Layers.Count; k++)
            {
                sb.Append("    ").Append(Json(Layers[k])).Append(k + 1 < Layers.Count ? ",\n" : "\n");
            }
            sb.Append("  ],\n");
            sb.Append($"  \"element_wise\": {Json(ElementWise)},\n");
            sb.Append($"  \"memories\": {Json(Memories)},\n");
            sb.Append($"  \"total\": {Json(Total)}\n");
            sb.Append("}\n");
            return sb.ToString();
        }

        private static string Json(HlsCost r) =>
            $"{{\"name\": {JsonText.Quote(r.Name)}, \"form\": {JsonText.Quote(r.Form)}, \"shape\": {JsonText.Quote(r.Shape)}, \"non_zeros\": {r.NonZeros}, " +
            $"\"additions_plain\": {r.AdditionsPlain}, \"additions\": {r.Additions}, \"rom_bits\": {r.RomBits}, \"lut\": {r.Lut}, " +
            $"\"ff\": {r.Ff}, \"bram18\": {r.Bram18}, \"dsp\": {r.Dsp}, \"cycles\": {r.Cycles}}}";

    }
}
