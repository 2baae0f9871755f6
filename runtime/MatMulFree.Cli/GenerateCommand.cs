using System;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using MatMulFree.Model.Text;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Generation;
using MatMulFree.Runtime.Sampling;

namespace MatMulFree.Cli
{
    /// <summary><c>mmf generate MANIFEST --prompt TEXT</c>: streams generated text to
    /// stdout as it is produced; a one-line summary goes to stderr.</summary>
    internal static class GenerateCommand
    {
        public static Command Create(TextWriter stdout, TextWriter stderr)
        {
            var manifest = ManifestArgument.Create();
            var prompt = new Option<string>("--prompt") { Description = "Text to continue (BOS is added before it).", DefaultValueFactory = _ => "" };
            var maxTokens = new Option<int>("--max-tokens") { Description = "Stop after this many generated tokens.", DefaultValueFactory = _ => 128 };
            var temperature = new Option<float>("--temperature") { Description = "0 for greedy; the reference demo uses 0.6.", DefaultValueFactory = _ => 0.6f };
            var topK = new Option<int>("--top-k") { Description = "Sample among the K most likely tokens (0 = all).", DefaultValueFactory = _ => 0 };
            var topP = new Option<float>("--top-p") { Description = "Nucleus sampling mass in (0, 1] (1 = all); the reference demo uses 0.4.", DefaultValueFactory = _ => 1f };
            var penalty = new Option<float>("--repetition-penalty") { Description = "CTRL repetition penalty over the last 64 tokens (1 = off).", DefaultValueFactory = _ => 1f };
            var seed = new Option<ulong>("--seed") { Description = "Random seed: the same seed gives the same text.", DefaultValueFactory = _ => 0UL };
            var stop = new Option<string[]>("--stop") { Description = "Stop when this text appears (repeatable).", AllowMultipleArgumentsPerToken = false };
            var echo = new Option<bool>("--echo") { Description = "Print the prompt before the generated text." };
            var threads = ThreadsOption.Create("Threads a large layer's rows are split across (default: all cores; the text does not depend on it).");
            var command = new Command("generate", "Generate text from a prompt, streaming it as it is produced.")
            {
                manifest, prompt, maxTokens, temperature, topK, topP, penalty, seed, stop, echo, threads,
            };
            command.SetAction(parse => CliErrors.Guard(stderr, () =>
            {
                int t = ThreadsOption.Get(parse, threads);
                var options = new GenerationOptions
                {
                    MaxTokens = parse.GetValue(maxTokens),
                    StopStrings = parse.GetValue(stop) ?? Array.Empty<string>(),
                    Sampling = new SamplingOptions
                    {
                        Temperature = parse.GetValue(temperature),
                        TopK = parse.GetValue(topK),
                        TopP = parse.GetValue(topP),
                        RepetitionPenalty = parse.GetValue(penalty),
                        Seed = parse.GetValue(seed),
                    },
                };
                options.Validate();
                using var model = GenericModel.Load(parse.GetValue(manifest)!, threads: t);
                var session = new Session(model);
                string text = parse.GetValue(prompt) ?? "";
                var clock = Stopwatch.StartNew();
                session.FeedText(text);
                double prefillSeconds = clock.Elapsed.TotalSeconds;
                long promptTokens = session.State.Position;
                // On a terminal, what a model file's tokenizer produces cannot make escape sequences;
                // to a file or a pipe the text goes exactly as generated.
                bool terminal = ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected;
                if (parse.GetValue(echo))
                {
                    stdout.Write(terminal ? DisplayText.WithoutControls(text) : text);
                }
                clock.Restart();
                int generated = 0;
                foreach (var token in session.Generate(options))
                {
                    if (token.Id >= 0)
                    {
                        generated++;
                    }
                    stdout.Write(terminal ? DisplayText.WithoutControls(token.Text) : token.Text);
                    stdout.Flush();
                }
                double seconds = clock.Elapsed.TotalSeconds;
                stdout.WriteLine();
                stderr.WriteLine(string.Format(CultureInfo.InvariantCulture,
                    "[{0}: {1} prompt tokens in {2:F3} s, {3} generated in {4:F3} s ({5:F1} tokens/s), stopped: {6}]",
                    DisplayText.Of(model.Name), promptTokens, prefillSeconds, generated, seconds,
                    generated / Math.Max(seconds, 1e-9), Describe(session.LastStopReason)));
                return MmfCommand.Ok;
            }));
            return command;
        }

        private static string Describe(StopReason reason) => reason switch
        {
            StopReason.EndOfSequence => "end of sequence",
            StopReason.StopString => "stop string",
            _ => "max tokens",
        };
    }
}
