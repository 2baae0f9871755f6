using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using MatMulFree.Benchmarking;
using MatMulFree.Model;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Kernels;

namespace MatMulFree.Cli.Bench
{
    /// <summary>A measurement's median and the range of its samples.</summary>
    internal readonly record struct Figure(double Median, double Low, double High)
    {
        public static Figure Of(List<double> sorted) => new Figure(sorted[sorted.Count / 2], sorted[0], sorted[sorted.Count - 1]);
    }

    /// <summary>Everything measured of one model configuration (tokens/s unless named otherwise).</summary>
    internal sealed record ModelResult(
        string Model, string Configuration, int Threads, int Rounds,
        Figure Decode, Figure[] Prefill, Figure FirstTokenMilliseconds, Figure[] Sessions,
        double PrefillOverDecode, double SessionsOverDecode, long BatchBytes, long PeakResidentBytes);

    /// <summary>
    /// A whole model on the generic runtime, as a user runs it: decode token by token, prefill of
    /// prompts of <see cref="PromptLengths"/> tokens (the time to the first token of the longest),
    /// and <see cref="SessionCounts"/> sessions stepping together (<see cref="GenericModel.StepBatch"/>).
    /// Every measurement of a configuration is sampled in turn with the others
    /// (<see cref="Interleaved.Samples"/>), so their ratios hold on a host whose speed drifts; each
    /// sample lasts at least <see cref="SampleMilliseconds"/> (or one call).
    /// </summary>
    internal static class ModelBench
    {
        public static readonly int[] PromptLengths = { 16, 128, 512 };
        public static readonly int[] SessionCounts = { 1, 4, 16 };
        public const double SampleMilliseconds = 30;
        private const int MinRounds = 3;

        public static List<ModelResult> Run(ModelDefinition definition, int threads, double minMilliseconds, bool packedOnly, TextWriter progress)
        {
            var results = new List<ModelResult>();
            var configurations = new List<(string, ProductForm, int)> { ("generic, packed 2-bit", ProductForm.Packed, 1) };
            if (threads > 1)
            {
                configurations.Add(("generic, packed 2-bit", ProductForm.Packed, threads));
            }
            if (!packedOnly)
            {
                configurations.Add(("generic, int8 weights (Vector<T>)", ProductForm.Rows, 1));
            }
            string name = MatMulFree.Model.Text.DisplayText.Of(definition.Name);
            foreach (var (configuration, form, t) in configurations)
            {
                progress.WriteLine($"bench: {name}, {configuration}, {t} thread(s)...");
                using var model = new GenericModel(definition, form, t);
                results.Add(Measure(model, name, configuration, minMilliseconds));
            }
            return results;
        }

        private static ModelResult Measure(GenericModel model, string name, string configuration, double minMilliseconds)
        {
            int vocab = model.Architecture.Vocab;
            int Token(int k) => (int)((k * 7919L) % vocab);
            var logits = new float[vocab];
            var decodeState = model.CreateState();
            int next = 0;
            var measures = new List<Func<double>>
            {
                () => Rate(() => { model.Step(Token(next++), decodeState, logits); return 1; }),
            };
            var prefillState = model.CreateState();
            foreach (int length in PromptLengths)
            {
                var prompt = new int[length];
                for (int k = 0; k < length; k++) prompt[k] = Token(k);
                measures.Add(() => Rate(() => { prefillState.Reset(); model.Prefill(prompt, prefillState, logits); return length; }));
            }
            foreach (int count in SessionCounts)
            {
                var states = new RecurrentState[count];
                for (int s = 0; s < count; s++) states[s] = model.CreateState();
                var tokens = new int[count];
                var all = new float[count * vocab];
                int step = 0;
                measures.Add(() => Rate(() =>
                {
                    for (int s = 0; s < count; s++) tokens[s] = Token(step * count + s);
                    step++;
                    model.StepBatch(tokens, states, all);
                    return count;
                }));
            }
            // Warm-up: every measurement twice and for a second in all, so that tiered JIT
            // compilation has promoted the hot methods before the samples count.
            var warm = Stopwatch.StartNew();
            for (int round = 0; round < 2 || warm.ElapsedMilliseconds < 1000; round++)
            {
                foreach (var m in measures) m();
            }
            var samples = Interleaved.Samples(MinRounds, minMilliseconds, measures.ToArray());
            var decode = Figure.Of(samples[0]);
            var prefill = new Figure[PromptLengths.Length];
            for (int p = 0; p < prefill.Length; p++) prefill[p] = Figure.Of(samples[1 + p]);
            var sessions = new Figure[SessionCounts.Length];
            for (int s = 0; s < sessions.Length; s++) sessions[s] = Figure.Of(samples[1 + PromptLengths.Length + s]);
            var longest = prefill[prefill.Length - 1];
            int longestLength = PromptLengths[PromptLengths.Length - 1];
            var firstToken = new Figure(1000 * longestLength / longest.Median, 1000 * longestLength / longest.High, 1000 * longestLength / longest.Low);
            return new ModelResult(name, configuration, model.Threads, samples[0].Count, decode, prefill, firstToken, sessions,
                longest.Median / decode.Median, sessions[sessions.Length - 1].Median / decode.Median, model.BatchSizeInBytes, PeakResidentBytes());
        }

        /// <summary>Tokens per second of <paramref name="call"/> (which returns the tokens it processed),
        /// called until <see cref="SampleMilliseconds"/> have passed, at least once.</summary>
        private static double Rate(Func<int> call)
        {
            long tokens = 0;
            var clock = Stopwatch.StartNew();
            do
            {
                tokens += call();
            }
            while (clock.Elapsed.TotalMilliseconds < SampleMilliseconds);
            return tokens / clock.Elapsed.TotalSeconds;
        }

        /// <summary>The process's peak resident set (VmHWM on Linux; the working-set peak elsewhere).</summary>
        public static long PeakResidentBytes()
        {
            try
            {
                foreach (var line in File.ReadLines("/proc/self/status"))
                {
                    if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    {
                        var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                        return long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
                    }
                }
            }
            catch (IOException)
            {
            }
            return Process.GetCurrentProcess().PeakWorkingSet64;
        }
    }
}
