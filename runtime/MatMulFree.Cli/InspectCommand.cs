using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using MatMulFree.Compiler.Planning;
using MatMulFree.Model;
using MatMulFree.Model.Text;
using MatMulFree.Runtime;

namespace MatMulFree.Cli
{
    /// <summary><c>mmf inspect MANIFEST</c>: architecture, parameter counts, and per
    /// tensor its shape, sparsity, beta and bytes.</summary>
    internal static class InspectCommand
    {
        public static Command Create(TextWriter stdout, TextWriter stderr)
        {
            var manifest = ManifestArgument.Create();
            var command = new Command("inspect", "Validate a manifest and describe its model.") { manifest };
            command.SetAction(parse => CliErrors.Guard(stderr, () =>
            {
                var model = ManifestLoader.Load(parse.GetValue(manifest)!);
                Write(model, stdout);
                return MmfCommand.Ok;
            }));
            return command;
        }

        public static void Write(ModelDefinition m, TextWriter o)
        {
            var a = m.Architecture;
            var c = CultureInfo.InvariantCulture;
            var tensors = TensorInventory.Of(m).ToList();
            var modelPlan = ModelPlan.Create(m, new CSharpTarget(ProductForm.Unrolled));
            var autoPlan = ModelPlan.Create(m, new CSharpTarget());
            // What adder sharing makes of every layer, whatever form a planner gives it (the manifest's
            // "kernels" may keep some packed even when every layer is asked unrolled).
            var plans = m.BitLinears().ToDictionary(w => w.Weight, w => AdderSharing.Plan(w.Weight));
            long additionsBefore = plans.Values.Sum(p => p.AdditionsBefore), additionsAfter = plans.Values.Sum(p => p.AdditionsAfter);
            long ternary = 0, nonZero = 0, full = 0, packedBytes = 0;
            foreach (var t in tensors)
            {
                if (t.Ternary != null)
                {
                    ternary += t.ElementCount;
                    nonZero += t.Ternary.CountNonZero();
                    packedBytes += t.Ternary.PackedTrits.Length;
                }
                else
                {
                    full += t.ElementCount;
                }
            }
            var tok = m.Tokenizer;
            o.WriteLine(string.Format(c, "model          {0}", DisplayText.Of(m.Name)));
            o.WriteLine(string.Format(c, "architecture   {0}: {1} layers, hidden {2}, intermediate {3}, vocab {4}, rms_norm_eps {5:R}",
                a.Family, a.Layers, a.Hidden, a.Intermediate, a.Vocab, a.RmsNormEps));
            string layout = tok.Kind == TokenizerSpec.BpeKind
                ? string.Format(c, "{0:N0} pieces, {1:N0} merges", tok.Pieces.Count(p => p != null), tok.Merges.Count)
                : string.Format(c, "bytes at ids {0}..{1}", tok.ByteOffset, tok.ByteOffset + 255);
            o.WriteLine(string.Format(c, "tokenizer      {0}: {1}; bos {2}, eos {3}; special {4}",
                tok.Kind, layout, a.Bos, a.Eos,
                string.Join(" ", tok.SpecialTokens.Select(s => DisplayText.Of(s.Text, 40) + "=" + s.Id.ToString(c)))));
            o.WriteLine(string.Format(c, "integrity      sha256 {0} (verified)", m.IntegrityDigest));
            o.WriteLine(string.Format(c, "parameters     {0:N0}: ternary {1:N0} ({2:N0} non-zero, {3:P1} zeros), full precision {4:N0}",
                ternary + full, ternary, nonZero, ternary == 0 ? 0 : 1.0 - (double)nonZero / ternary, full));
            o.WriteLine(string.Format(c, "weight bytes   {0:N0}: ternary packed at 2 bits {1:N0}, full precision as float32 {2:N0}",
                packedBytes + 4 * full, packedBytes, 4 * full));
            o.WriteLine(string.Format(c, "additions      {0:N0} per token as plain row sums, {1:N0} with adder sharing ({2:P1})",
                additionsBefore, additionsAfter, additionsBefore == 0 ? 1 : (double)additionsAfter / additionsBefore));
            o.WriteLine(string.Format(c, "unrolled code  {0:N0} terms if the source generator unrolls every layer (see MatMulFreeUnrollLimit, docs/generator.md)",
                modelPlan.UnrolledTerms));
            o.WriteLine(string.Format(c, "generator      MatMulFreeKernel=auto unrolls {0} layers ({1:N0} terms) and packs {2}",
                autoPlan.Layers.Count(l => l.Form == ProductForm.Unrolled), autoPlan.UnrolledTerms, autoPlan.Layers.Count(l => l.Form == ProductForm.Packed)));
            o.WriteLine(string.Format(c, "state          {0:N0} bytes per sequence ({1} layers x {2} floats), constant in sequence length",
                4L * a.Layers * a.Hidden, a.Layers, a.Hidden));
            o.WriteLine();
            int nameWidth = Math.Max(6, tensors.Max(t => t.Name.Length));
            o.WriteLine($"{"tensor".PadRight(nameWidth)}  {"shape",-12} {"kind",-8} {"non-zero",10} {"sparsity",9} {"beta",13} {"bytes",12} {"additions",10} {"shared",10}");
            foreach (var t in tensors)
            {
                string shape = "[" + string.Join(", ", t.Shape) + "]";
                if (t.Ternary != null)
                {
                    long nz = t.Ternary.CountNonZero();
                    double sparsity = 1.0 - (double)nz / t.ElementCount;
                    var plan = plans[t.Ternary];
                    o.WriteLine(string.Format(c, "{0}  {1,-12} {2,-8} {3,10:N0} {4,9:P1} {5,13:G6} {6,12:N0} {7,10:N0} {8,10:N0}",
                        t.Name.PadRight(nameWidth), shape, "ternary", nz, sparsity, t.Ternary.Beta, t.Ternary.PackedTrits.Length,
                        plan.AdditionsBefore, plan.AdditionsAfter));
                }
                else
                {
                    o.WriteLine(string.Format(c, "{0}  {1,-12} {2,-8} {3,10} {4,9} {5,13} {6,12:N0}",
                        t.Name.PadRight(nameWidth), shape, "float32", "-", "-", "-", 4 * t.ElementCount));
                }
            }
        }
    }
}
