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
    /// stdout as it is produced; a one-line summary goes to stderr. The prompt is the
    /// option's text, or stdin's with <c>--prompt -</c> or when text is piped and no
    /// <c>--prompt</c> is given (one final line break dropped, as <c>echo</c> adds it).</summary>
    internal static class GenerateCommand
    {
        /// <summary>A prompt read from stdin is at most this many characters: piped input is untrusted,
        /// and reading it must not take unbounded memory.</summary>
        public const int MaxPipedPromptChars = 1 << 24;

        public static Command Create(TextWriter stdout, TextWriter stderr, TextReader? stdin = null)
        {
            var manifest = ManifestArgument.Create();
            var prompt = new Option<string>("--prompt") { Description = "Text to continue (BOS is added before it); - reads it from stdin, as does piped text without this option." };
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
                string text = Prompt(parse.GetValue(prompt), stdin, stderr);
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

        /// <summary>The prompt: <paramref name="option"/>'s text, or stdin's for "-" or when it is not given
        /// and text is piped; with neither, the empty prompt, said on stderr.</summary>
        private static string Prompt(string? option, TextReader? stdin, TextWriter stderr)
        {
            if (option != null && option != "-")
            {
                return option;
            }
            if (stdin == null)
            {
                if (option == "-")
                {
                    throw new UsageException("--prompt -: nothing is piped to stdin (give the text as --prompt TEXT, or pipe it: echo TEXT | mmf generate MANIFEST)");
                }
                stderr.WriteLine("mmf generate: no prompt (--prompt TEXT, --prompt -, or text piped to stdin): generating from the start of a text");
                return "";
            }
            var piped = new System.Text.StringBuilder();
            var chunk = new char[1 << 16];
            int read;
            while ((read = stdin.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (piped.Length + read > MaxPipedPromptChars)
                {
                    throw new UsageException($"the prompt on stdin is longer than {MaxPipedPromptChars:N0} characters");
                }
                piped.Append(chunk, 0, read);
            }
            var text = piped.ToString();
            return text.EndsWith("\r\n", StringComparison.Ordinal) ? text.Substring(0, text.Length - 2)
                : text.EndsWith("\n", StringComparison.Ordinal) ? text.Substring(0, text.Length - 1)
                : text;
        }

        private static string Describe(StopReason reason) => reason switch
        {
            StopReason.EndOfSequence => "end of sequence",
            StopReason.StopString => "stop string",
            _ => "max tokens",
        };
    }
}
