using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using MatMulFree.Runtime;

// One build's generic-runtime speed on one manifest: decode, prefill and 16 sessions over 512 tokens,
// after 2 s of warm-up (tiered JIT), medians of 9 repetitions. compare.sh builds this file against two
// revisions and runs them in turn. Uses only API both sides have (GenericModel.Load, Step, Prefill, StepBatch).
string path = args[0];
int threads = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
using var model = GenericModel.Load(path, threads: threads);
var random = new Random(1);
int vocab = model.Architecture.Vocab;
var tokens = Enumerable.Range(0, 512).Select(_ => random.Next(vocab)).ToArray();
var logits = new float[vocab];
var warm = Stopwatch.StartNew();
while (warm.ElapsedMilliseconds < 2000)
{
    model.Prefill(tokens, model.CreateState(), logits);
}
var states = Enumerable.Range(0, 16).Select(_ => model.CreateState()).ToList();
var many = new float[16 * vocab];
var decode = new List<double>();
var prefill = new List<double>();
var sessions = new List<double>();
for (int r = 0; r < 9; r++)
{
    var state = model.CreateState();
    var clock = Stopwatch.StartNew();
    model.Prefill(tokens, state, logits);
    prefill.Add(tokens.Length / clock.Elapsed.TotalSeconds);
    state = model.CreateState();
    clock.Restart();
    foreach (int t in tokens) model.Step(t, state, logits);
    decode.Add(tokens.Length / clock.Elapsed.TotalSeconds);
    clock.Restart();
    for (int k = 0; k < tokens.Length / 16; k++) model.StepBatch(tokens.AsSpan(k * 16, 16), states, many);
    sessions.Add(tokens.Length / clock.Elapsed.TotalSeconds);
}
static double Median(List<double> x) { x.Sort(); return x[x.Count / 2]; }
Console.WriteLine($"{Median(decode):F0} {Median(prefill):F0} {Median(sessions):F0}");
