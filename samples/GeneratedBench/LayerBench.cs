using System;
using System.Diagnostics;
using System.Linq;
using System.Reflection;
using MatMulFree.Compiler.Emit;
using MatMulFree.Compiler.Model;
using MatMulFree.Compiler.Planning;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Kernels;
using MatMulFree.Runtime.Layers;

namespace GeneratedBench;

/// <summary>
/// Every BitLinear of a compiled-in model on its own: the generated method (found by the name
/// the generator gives it, <see cref="GeneratedNames.BitLinearMethod"/>) against the generic
/// runtime's layer on the same weights, packed and int8, with the same input; the outputs are
/// compared bit for bit. Time per call, median of 7 rounds of at least 2 ms each, one thread.
/// Built with MatMulFreeKernel=unrolled and =packed, the two tables give the crossover per layer shape.
/// </summary>
internal static class LayerBench
{
    private delegate void BitLinearMethod(ReadOnlySpan<float> x, float r, StepScratch scratch, Span<float> y);

    /// <param name="include">The layers to time (all when null): a big model's distinct shapes are in its first block.</param>
    public static void Run(Type generated, ModelDefinition definition, MatMulFree.Compiler.Planning.KernelChoice choice, Func<BitLinearWeights, bool>? include = null)
    {
        var plan = ModelPlan.Create(definition, choice);
        var scratch = new StepScratch(definition.Architecture);
        var random = new Random(5);
        foreach (var layer in plan.Layers)
        {
            if (include != null && !include(layer.Weights))
            {
                continue;
            }
            var w = layer.Weights;
            var method = generated.GetMethod(GeneratedNames.BitLinearMethod(w), BindingFlags.NonPublic | BindingFlags.Static)
                ?? throw new InvalidOperationException($"{generated.Name} has no method for {w.Name}");
            var run = method.CreateDelegate<BitLinearMethod>();
            var packed = new BitLinearLayer(w, TernaryKernelKind.Packed);
            var int8 = new BitLinearLayer(w, TernaryKernelKind.Simd);
            var x = new float[w.InFeatures];
            for (int k = 0; k < x.Length; k++) x[k] = (float)(random.NextDouble() * 2 - 1);
            float r = RmsNorm.InverseRms(x, definition.Architecture.RmsNormEps);
            var yGenerated = new float[w.OutFeatures];
            var yGeneric = new float[w.OutFeatures];
            run(x, r, scratch, yGenerated);
            packed.Forward(x, r, scratch, yGeneric);
            bool same = yGenerated.AsSpan().SequenceEqual(yGeneric);
            double g = Nanoseconds(() => run(x, r, scratch, yGenerated));
            double p = Nanoseconds(() => packed.Forward(x, r, scratch, yGeneric));
            double i = Nanoseconds(() => int8.Forward(x, r, scratch, yGeneric));
            string form = layer.Form == KernelForm.Unrolled ? "unrolled" : "packed";
            Console.WriteLine($"| {definition.Name} | {w.Name} | {w.OutFeatures}x{w.InFeatures} | {form} | {g:N0} | {p:N0} | {i:N0} | {g / p:F2} | {(same ? "yes" : "NO")} |");
        }
    }

    private static double Nanoseconds(Action call)
    {
        int calls = 1;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            clock.Restart();
            for (int k = 0; k < calls; k++) call();
            if (clock.Elapsed.TotalMilliseconds >= 2) break;
            calls *= 2;
        }
        var rounds = new double[7];
        for (int round = 0; round < rounds.Length; round++)
        {
            clock.Restart();
            for (int k = 0; k < calls; k++) call();
            rounds[round] = clock.Elapsed.TotalNanoseconds / calls;
        }
        Array.Sort(rounds);
        return rounds[rounds.Length / 2];
    }
}
