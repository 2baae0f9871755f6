using System;
using System.Diagnostics;
using System.IO;
using MatMulFree.Compiler.Planning;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Kernels;

// The 370M-shaped model compiled in by the source generator, its weights file embedded:
// load time (the first step), decode tokens/s on one thread and on two, timed like
// `mmf bench` (1 s warm-up, 256 steps), and the process's peak resident memory.
// With `--layers M370 L13B [SVG]` (the two manifests' paths), then every BitLinear of the first
// block and the LM head of the 370M model and of a 2-layer model with the 1.3B checkpoint's
// shapes, generated against the generic runtime (GeneratedBench's LayerBench: the checkpoint
// shapes of the kernel table, which `mmf bench` times for the runtime's kernels only),
// drawn per shape in SVG when a third path is given.
var model = new Random370M();
var state = model.CreateState();
var logits = new float[model.Architecture.Vocab];
int vocab = model.Architecture.Vocab;
var clock = Stopwatch.StartNew();
model.Step(1, state, logits);
Console.WriteLine($"first step (loads the weights): {clock.Elapsed.TotalSeconds:F2} s");
Console.WriteLine($"generated, 1 thread: {Decode():F0} tokens/s");
using (var workers = new RowWorkers(2))
{
    state.Workers = workers;
    Console.WriteLine($"generated, 2 threads: {Decode():F0} tokens/s");
    state.Workers = null;
}
foreach (var line in File.ReadLines("/proc/self/status"))
{
    if (line.StartsWith("VmHWM", StringComparison.Ordinal)) Console.WriteLine("peak resident memory: " + line.Substring(6).Trim());
}
if ((args.Length == 3 || args.Length == 4) && args[0] == "--layers")
{
    Console.WriteLine();
    Console.WriteLine("Each BitLinear on its own (ns per call: RMSNorm, quantization, product, dequantization), one thread:");
    Console.WriteLine();
    Console.WriteLine("| model | layer | out x in | generated form | generated ns | generic packed ns | generic int8 ns | time, generated / generic packed | same output |");
    Console.WriteLine("|---|---|---|---|---:|---:|---:|---:|---|");
    static bool FirstBlockAndHead(MatMulFree.Model.BitLinearWeights w) => w.Name.StartsWith("model.layers.0.", StringComparison.Ordinal) || w.Name == "lm_head";
    var timings = GeneratedBench.LayerBench.Run(typeof(Random370M), ManifestLoader.Load(args[1]), null, FirstBlockAndHead);
    timings.AddRange(GeneratedBench.LayerBench.Run(typeof(Layers13B), ManifestLoader.Load(args[2]), null, FirstBlockAndHead));
    if (args.Length == 4)
    {
        File.WriteAllText(args[3], GeneratedBench.ShapeChart.Svg(timings,
            "BitLinear time at the 370M and 1.3B checkpoint shapes, generated and generic int8, over the generic packed layer's (lower is better)"));
    }
}

double Decode()
{
    var warm = Stopwatch.StartNew();
    for (int k = 0; warm.ElapsedMilliseconds < 1000; k++) model.Step((k * 7919) % vocab, state, logits);
    state.Reset();
    const int steps = 256;
    var timer = Stopwatch.StartNew();
    for (int k = 0; k < steps; k++) model.Step((k * 7919) % vocab, state, logits);
    return steps / timer.Elapsed.TotalSeconds;
}

[MatMulFreeModel("mmfreelm-370m-random.mmf.json")]
public partial class Random370M;

/// <summary>Two blocks with the shapes of MMfreeLM-1.3B (hidden 2048, intermediate 5632, vocabulary 32000).</summary>
[MatMulFreeModel("layers-1.3b-random.mmf.json")]
public partial class Layers13B;
