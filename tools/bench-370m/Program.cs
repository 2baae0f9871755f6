using System;
using System.Diagnostics;
using System.IO;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Kernels;

// The 370M-shaped model compiled in by the source generator, its weights file embedded:
// load time (the first step), decode tokens/s on one thread and on two, timed like
// `mmf bench` (1 s warm-up, 256 steps), and the process's peak resident memory.
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
