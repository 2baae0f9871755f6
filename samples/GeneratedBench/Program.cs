using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using GeneratedBench;
using MatMulFree.Benchmarking;
using MatMulFree.Compiler.Planning;
using MatMulFree.Model;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Kernels;

// Decode tokens/s of each compiled-in model against the generic runtime on the same manifest,
// measured in one run: one second of warm-up (tiered JIT), then 31 rounds of 400 steps, the three
// variants' rounds taken in turn (Interleaved), medians; prefill of a 128-token prompt, generated
// against generic packed, the same way; then every BitLinear on its own. `--svg FILE` also draws the per-layer table per shape.
const int Steps = 400, Rounds = 31, PromptLength = 128;
string? svg = args.Length == 2 && args[0] == "--svg" ? args[1] : null;
if (args.Length > 0 && svg == null)
{
    Console.Error.WriteLine("usage: GeneratedBench [--svg FILE]");
    return 2;
}
var models = new (IMatMulFreeModel Generated, string File)[]
{
    (new Micro(), "micro-l2-h16.mmf.json"),
    (new TinyL2(), "tiny-l2-h64.mmf.json"),
    (new TinyL3(), "tiny-l3-h96.mmf.json"),
    (new Sample(), "sample-l4-h128.mmf.json"),
    (new Brown(), "brown-l4-h128.mmf.json"),
};
Console.WriteLine($"{Environment.ProcessorCount} cores, .NET {Environment.Version}; decode tokens/s, one thread, median of {Rounds} rounds of {Steps} steps, the variants' rounds in turn");
Console.WriteLine();
Console.WriteLine($"| model | generated (MatMulFreeKernel={KernelProperty.Value}) | generic, packed 2-bit | generic, int8 weights | generated / generic packed |");
Console.WriteLine("|---|---:|---:|---:|---:|");
foreach (var (generated, file) in models)
{
    string path = Path.Combine(AppContext.BaseDirectory, "models", file);
    var figures = TokensPerSecond(generated, GenericModel.Load(path, ProductForm.Packed), GenericModel.Load(path, ProductForm.Rows));
    double g = figures[0], packed = figures[1], int8 = figures[2];
    Console.WriteLine($"| {generated.Name} | {g:N0} | {packed:N0} | {int8:N0} | {g / packed:F2} |");
}

Console.WriteLine();
Console.WriteLine($"Prefill of a {PromptLength}-token prompt (IBatchedModel.Prefill), tokens/s, one thread, median of {Rounds} rounds, the variants' rounds in turn");
Console.WriteLine();
Console.WriteLine($"| model | generated (MatMulFreeKernel={KernelProperty.Value}) | generic, packed 2-bit | generated / generic packed |");
Console.WriteLine("|---|---:|---:|---:|");
foreach (var (generated, file) in models)
{
    string path = Path.Combine(AppContext.BaseDirectory, "models", file);
    var figures = PrefillTokensPerSecond((IBatchedModel)generated, GenericModel.Load(path, ProductForm.Packed));
    Console.WriteLine($"| {generated.Name} | {figures[0]:N0} | {figures[1]:N0} | {figures[0] / figures[1]:F2} |");
}

Console.WriteLine();
Console.WriteLine($"Each BitLinear on its own (ns per call: RMSNorm, quantization, product, dequantization), generated with MatMulFreeKernel={KernelProperty.Value}:");
Console.WriteLine();
Console.WriteLine("| model | layer | out x in | generated form | generated ns | generic packed ns | generic int8 ns | time, generated / generic packed | same output |");
Console.WriteLine("|---|---|---|---|---:|---:|---:|---:|---|");
var choice = KernelProperty.Value switch { "unrolled" => ProductForm.Unrolled, "packed" => ProductForm.Packed, _ => (ProductForm?)null };
var timings = new List<LayerTiming>();
foreach (var (generated, file) in models)
{
    timings.AddRange(LayerBench.Run(generated.GetType(), ManifestLoader.Load(Path.Combine(AppContext.BaseDirectory, "models", file)), choice));
}
if (svg != null)
{
    File.WriteAllText(svg, ShapeChart.Svg(timings, $"BitLinear time, generated (MatMulFreeKernel={KernelProperty.Value}) and generic int8, over the generic packed layer's, per shape (lower is better)"));
}
return 0;

// One second of warm-up each (tiered JIT), then rounds of Steps decode steps, taken in turn.
static double[] TokensPerSecond(params IMatMulFreeModel[] models)
{
    var rounds = new Func<double>[models.Length];
    for (int m = 0; m < models.Length; m++)
    {
        var model = models[m];
        var state = model.CreateState();
        var logits = new float[model.Architecture.Vocab];
        int vocab = model.Architecture.Vocab;
        var warm = Stopwatch.StartNew();
        for (int k = 0; warm.ElapsedMilliseconds < 1000; k++) model.Step(k % vocab, state, logits);
        rounds[m] = () =>
        {
            state.Reset();
            var clock = Stopwatch.StartNew();
            for (int k = 0; k < Steps; k++) model.Step((k * 7919) % vocab, state, logits);
            return Steps / clock.Elapsed.TotalSeconds;
        };
    }
    return Interleaved.Medians(Rounds, rounds);
}

// One second of warm-up each, then rounds of prompts of PromptLength tokens from a fresh state, taken in turn.
static double[] PrefillTokensPerSecond(params IBatchedModel[] models)
{
    var rounds = new Func<double>[models.Length];
    for (int m = 0; m < models.Length; m++)
    {
        var model = models[m];
        var state = model.CreateState();
        var logits = new float[model.Architecture.Vocab];
        int vocab = model.Architecture.Vocab;
        var prompt = new int[PromptLength];
        for (int k = 0; k < prompt.Length; k++) prompt[k] = (k * 7919) % vocab;
        var warm = Stopwatch.StartNew();
        while (warm.ElapsedMilliseconds < 1000)
        {
            state.Reset();
            model.Prefill(prompt, state, logits);
        }
        rounds[m] = () =>
        {
            var clock = Stopwatch.StartNew();
            int prompts = 0;
            do
            {
                state.Reset();
                model.Prefill(prompt, state, logits);
                prompts++;
            }
            while (clock.ElapsedMilliseconds < 20);
            return prompts * PromptLength / clock.Elapsed.TotalSeconds;
        };
    }
    return Interleaved.Medians(Rounds, rounds);
}

/// <summary>The MatMulFreeKernel this program was built with (the build passes it in as assembly metadata).</summary>
internal static class KernelProperty
{
    public static string Value => typeof(KernelProperty).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
        is object[] attributes && System.Array.Find(attributes, a => ((System.Reflection.AssemblyMetadataAttribute)a).Key == "MatMulFreeKernel") is System.Reflection.AssemblyMetadataAttribute m
        && !string.IsNullOrEmpty(m.Value) ? m.Value! : "auto";
}
