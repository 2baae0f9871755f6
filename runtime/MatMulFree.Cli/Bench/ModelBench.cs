using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using MatMulFree.Model;
using MatMulFree.Model.Text;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Kernels;

namespace MatMulFree.Cli.Bench
{
    /// <summary>Decode speed of one model configuration.</summary>
    internal sealed record ModelResult(string Model, string Configuration, int Tokens, double TokensPerSecond, double PrefillTokensPerSecond, double SessionsTokensPerSecond, long PeakResidentBytes);

    /// <summary>Token-by-token decode of a whole model (the generic runtime), timed over a fixed number of steps.</summary>
    internal static class ModelBench
    {
        public static List<ModelResult> Run(ModelDefinition definition, int steps, int threads, bool packedOnly = false)
        {
            var results = new List<ModelResult>();
            var configurations = new List<(string, ProductForm, int)>
            {
                ("generic, packed 2-bit, 1 thread", ProductForm.Packed, 1),
                ("generic, int8 weights (Vector<T>), 1 thread", ProductForm.Rows, 1),
            };
            if (packedOnly)
            {
                configurations.RemoveAt(1);
            }
            if (threads > 1)
            {
                configurations.Insert(1, ($"generic, packed 2-bit, {threads} threads", ProductForm.Packed, threads));
            }
            foreach (var (name, kernel, t) in configurations)
            {
                using var model = new GenericModel(definition, kernel, t);
                var state = model.CreateState();
                var logits = new float[model.Architecture.Vocab];
                int vocab = model.Architecture.Vocab;
                // Warm up for a second, so that tiered JIT compilation has promoted the hot methods.
                var warm = Stopwatch.StartNew();
                for (int k = 0; warm.ElapsedMilliseconds < 1000; k++) model.Step((k * 7919) % vocab, state, logits);
                state.Reset();
                var clock = Stopwatch.StartNew();
                for (int k = 0; k < steps; k++)
                {
                    model.Step((k * 7919) % vocab, state, logits);
                }
                double seconds = clock.Elapsed.TotalSeconds;
                // Prefill: the same number of tokens as one prompt, layer by layer (batched products).
                var prompt = new int[steps];
                for (int k = 0; k < steps; k++) prompt[k] = (k * 7919) % vocab;
                // Warmed up for a second too: a prefill is 32 calls of the batched step, too few for tiered
                // JIT compilation to promote them in one run (a single warm-up prefill measured the tier-0 code).
                warm.Restart();
                while (warm.ElapsedMilliseconds < 1000)
                {
                    state.Reset();
                    model.Prefill(prompt, state, logits);
                }
                state.Reset();
                clock.Restart();
                model.Prefill(prompt, state, logits);
                double prefill = steps / clock.Elapsed.TotalSeconds;
                // Several sessions in one batch: 16 independent states, one token each per step
                // (GenericModel.StepBatch), as many tokens in all as the decode run.
                int sessions = GenericModel.BatchCapacity;
                var states = new RecurrentState[sessions];
                for (int v = 0; v < sessions; v++) states[v] = model.CreateState();
                var batchTokens = new int[sessions];
                var batchLogits = new float[sessions * vocab];
                int rounds = Math.Max(1, steps / sessions);
                warm.Restart();
                while (warm.ElapsedMilliseconds < 1000)
                {
                    model.StepBatch(batchTokens, states, batchLogits);
                }
                foreach (var st in states) st.Reset();
                clock.Restart();
                for (int k = 0; k < rounds; k++)
                {
                    for (int v = 0; v < sessions; v++) batchTokens[v] = ((k * sessions + v) * 7919) % vocab;
                    model.StepBatch(batchTokens, states, batchLogits);
                }
                double batched = rounds * sessions / clock.Elapsed.TotalSeconds;
                results.Add(new ModelResult(MatMulFree.Model.Text.DisplayText.Of(definition.Name), name, steps, steps / seconds, prefill, batched, PeakResidentBytes()));
            }
            return results;
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
