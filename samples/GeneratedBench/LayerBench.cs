using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Reflection;
using MatMulFree.Benchmarking;
using MatMulFree.Compiler.Emit;
using MatMulFree.Compiler.Planning;
using MatMulFree.Model;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Kernels;
using MatMulFree.Runtime.Layers;

namespace GeneratedBench;

/// <summary>One BitLinear timed: its shape and generated form, generated, generic packed and generic int8 nanoseconds per call.</summary>
internal sealed record LayerTiming(int Rows, int Columns, string Form, double Generated, double GenericPacked, double GenericInt8)
{
    public string Shape => $"{Rows}x{Columns}";
}

/// <summary>
/// Every BitLinear of a compiled-in model on its own: the generated method (found by the name
/// the generator gives it, <see cref="GeneratedNames.BitLinearMethod"/>) against the generic
/// runtime's layer on the same weights, packed and int8, with the same input; the outputs are
/// compared bit for bit. Time per call, median of 15 rounds of at least 1 ms each, the three
/// variants' rounds taken in turn (<see cref="Interleaved"/>), one thread.
/// Built with MatMulFreeKernel=unrolled and =packed, the two tables give the crossover per layer shape.
/// </summary>
internal static class LayerBench
{
    private delegate void BitLinearMethod(ReadOnlySpan<float> x, float r, StepScratch scratch, Span<float> y);

    /// <summary>Prints a table row per layer as it is timed, and returns the rows.</summary>
    /// <param name="include">The layers to time (all when null): a big model's distinct shapes are in its first block.</param>
    public static List<LayerTiming> Run(Type generated, ModelDefinition definition, ProductForm? choice, Func<BitLinearWeights, bool>? include = null)
    {
        var plan = ModelPlan.Create(definition, new CSharpTarget(choice));
        // The generated layers live in the model's file-local class (MatMulFree.Generated, whatever name the
        // compiler gives it), with its loaded data (the nested class Data, Data.Get()).
        var kernels = generated.Assembly.GetTypes().Single(t => t.Namespace == "MatMulFree.Generated" && t.Name.EndsWith(generated.Name + "Kernels", StringComparison.Ordinal));
        var dataType = kernels.GetNestedType("Data", BindingFlags.NonPublic) ?? throw new InvalidOperationException($"{kernels.Name} has no Data class");
        object data = dataType.GetMethod("Get", BindingFlags.NonPublic | BindingFlags.Static)!.Invoke(null, null)!;
        var scratch = new StepScratch(definition.Architecture);
        var random = new Random(5);
        var timings = new List<LayerTiming>();
        foreach (var layer in plan.Layers)
        {
            if (include != null && !include(layer.Weights))
            {
                continue;
            }
            var w = layer.Weights;
            var run = Generated(kernels, data, w, layer.Form);
            var packed = new BitLinearLayer(w, ProductForm.Packed);
            var int8 = new BitLinearLayer(w, ProductForm.Rows);
            var x = new float[w.InFeatures];
            for (int k = 0; k < x.Length; k++) x[k] = (float)(random.NextDouble() * 2 - 1);
            float r = RmsNorm.InverseRms(x, definition.Architecture.RmsNormEps);
            var yGenerated = new float[w.OutFeatures];
            var yGeneric = new float[w.OutFeatures];
            run(x, r, scratch, yGenerated);
            packed.Forward(x, r, scratch, yGeneric);
            bool same = yGenerated.AsSpan().SequenceEqual(yGeneric);
            var ns = Interleaved.Medians(15, Round(() => run(x, r, scratch, yGenerated)), Round(() => packed.Forward(x, r, scratch, yGeneric)),
                Round(() => int8.Forward(x, r, scratch, yGeneric)));
            double g = ns[0], p = ns[1], i = ns[2];
            string form = layer.Form == ProductForm.Unrolled ? "unrolled" : "packed";
            Console.WriteLine($"| {definition.Name} | {w.Name} | {w.OutFeatures}x{w.InFeatures} | {form} | {g:N0} | {p:N0} | {i:N0} | {g / p:F2} | {(same ? "yes" : "NO")} |");
            timings.Add(new LayerTiming(w.OutFeatures, w.InFeatures, form, g, p, i));
        }
        return timings;
    }

    /// <summary>
    /// The generated code of one layer as a call: an unrolled layer's method (its first parameter the data),
    /// or for a packed layer what its block runs, d.{name}Product.Forward(x, r, d.{name}Norm, scratch, y).
    /// </summary>
    private static BitLinearMethod Generated(Type kernels, object data, BitLinearWeights w, ProductForm form)
    {
        string name = GeneratedNames.BitLinearMethod(w);
        if (form == ProductForm.Unrolled)
        {
            var method = kernels.GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)
                ?? throw new InvalidOperationException($"{kernels.Name} has no method for {w.Name}");
            // Closed over its first parameter, the data.
            return (BitLinearMethod)Delegate.CreateDelegate(typeof(BitLinearMethod), data, method);
        }
        var fields = data.GetType();
        var product = (ParallelPackedProduct)(fields.GetField(name + "Product", BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Instance)?.GetValue(data)
            ?? throw new InvalidOperationException($"{kernels.Name} has no packed product for {w.Name}"));
        var norm = (float[])fields.GetField(name + "Norm", BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Instance)!.GetValue(data)!;
        return (x, r, scratch, y) => product.Forward(x, r, norm, scratch, y);
    }

    /// <summary>A round of enough calls to last at least 1 ms (counted once, after a first call), in ns per call.</summary>
    private static Func<double> Round(Action call)
    {
        int calls = 1;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            clock.Restart();
            for (int k = 0; k < calls; k++) call();
            if (clock.Elapsed.TotalMilliseconds >= 1) break;
            calls *= 2;
        }
        return () =>
        {
            var round = Stopwatch.StartNew();
            for (int k = 0; k < calls; k++) call();
            return round.Elapsed.TotalNanoseconds / calls;
        };
    }
}
