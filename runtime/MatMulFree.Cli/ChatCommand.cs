using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Threading;
using MatMulFree.AI;
using MatMulFree.Model.Text;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Generation;
using MatMulFree.Runtime.Sampling;
using Microsoft.Extensions.AI;

namespace MatMulFree.Cli
{
    /// <summary>
    /// <c>mmf chat MANIFEST</c>: a conversation at a prompt marker. Each line typed is the user's turn;
    /// the model answers in the same session, so the whole conversation is its recurrent state (no
    /// history is re-read). The conversation is written as <see cref="ChatPromptTemplate.Transcript"/>
    /// writes it; /reset starts over, /quit or the end of input ends. Ctrl-C stops the answer being
    /// written, not the program.
    /// </summary>
    internal static class ChatCommand
    {
        public static Command Create(TextWriter stdout, TextWriter stderr, TextReader? stdin)
        {
            var manifest = ManifestArgument.Create();
            var system = new Option<string>("--system") { Description = "Text that opens the conversation (a system message)." };
            var maxTokens = new Option<int>("--max-tokens") { Description = "The longest answer, in tokens.", DefaultValueFactory = _ => 256 };
            var temperature = new Option<float>("--temperature") { Description = "0 for greedy; the reference demo uses 0.6.", DefaultValueFactory = _ => 0.6f };
            var topP = new Option<float>("--top-p") { Description = "Nucleus sampling mass in (0, 1] (1 = all); the reference demo uses 0.4.", DefaultValueFactory = _ => 0.4f };
            var topK = new Option<int>("--top-k") { Description = "Sample among the K most likely tokens (0 = all).", DefaultValueFactory = _ => 0 };
            var penalty = new Option<float>("--repetition-penalty") { Description = "CTRL repetition penalty over the last 64 tokens (1 = off).", DefaultValueFactory = _ => 1f };
            var seed = new Option<ulong>("--seed") { Description = "Random seed: the same seed and lines give the same conversation.", DefaultValueFactory = _ => 0UL };
            var threads = ThreadsOption.Create("Threads a large layer's rows are split across (default: all cores; the text does not depend on it).");
            var command = new Command("chat", "Talk with a model: each line is a turn; /reset starts over, /quit ends.")
            {
                manifest, system, maxTokens, temperature, topP, topK, penalty, seed, threads,
            };
            command.SetAction(parse => CliErrors.Guard(stderr, () =>
            {
                var template = ChatPromptTemplate.Transcript;
                var options = new GenerationOptions
                {
                    MaxTokens = parse.GetValue(maxTokens),
                    StopStrings = template.StopSequences,
                    Sampling = new SamplingOptions
                    {
                        Temperature = parse.GetValue(temperature),
                        TopP = parse.GetValue(topP),
                        TopK = parse.GetValue(topK),
                        RepetitionPenalty = parse.GetValue(penalty),
                        Seed = parse.GetValue(seed),
                    },
                };
                options.Validate();
                using var model = GenericModel.Load(parse.GetValue(manifest)!, threads: ThreadsOption.Get(parse, threads));
                var input = stdin ?? Console.In;
                bool console = ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected;
                var chat = new Conversation(model, template, parse.GetValue(system));
                // Ctrl-C while an answer is written stops that answer; at the prompt it ends the program as usual.
                int answering = 0;
                var stop = new CancellationTokenSource();
                ConsoleCancelEventHandler onCancel = (_, e) =>
                {
                    if (Volatile.Read(ref answering) == 1)
                    {
                        e.Cancel = true;
                        stop.Cancel();
                    }
                };
                if (console)
                {
                    Console.CancelKeyPress += onCancel;
                }
                try
                {
                    stderr.WriteLine($"{DisplayText.Of(model.Name)}: chat; /reset starts over, /quit or the end of input ends{(console ? ", Ctrl-C stops an answer" : "")}.");
                    while (true)
                    {
                        stdout.Write("> ");
                        stdout.Flush();
                        string? line = input.ReadLine();
                        if (line == null || line.Trim() == "/quit")
                        {
                            break;
                        }
                        if (line.Trim() == "/reset")
                        {
                            chat.Reset();
                            stderr.WriteLine("(the conversation starts over)");
                            continue;
                        }
                        if (line.Length == 0)
                        {
                            continue;
                        }
                        if (stop.IsCancellationRequested)
                        {
                            stop.Dispose();
                            stop = new CancellationTokenSource();
                        }
                        Volatile.Write(ref answering, 1);
                        foreach (string text in chat.Answer(line, options, stop.Token))
                        {
                            stdout.Write(console ? DisplayText.WithoutControls(text) : text);
                            stdout.Flush();
                        }
                        Volatile.Write(ref answering, 0);
                        stdout.WriteLine();
                    }
                    return MmfCommand.Ok;
                }
                finally
                {
                    if (console)
                    {
                        Console.CancelKeyPress -= onCancel;
                    }
                    stop.Dispose();
                }
            }));
            return command;
        }

        /// <summary>
        /// A conversation in one session: each turn feeds only what is new (the user's line and the start of
        /// the answer), so the model's state holds the whole conversation. When an answer ended at the template's
        /// stop sequence (the model began the next user turn itself), the state already holds that text, and
        /// only the rest of the user's turn is fed.
        /// </summary>
        private sealed class Conversation
        {
            private readonly Session _session;
            private readonly ChatPromptTemplate _template;
            private readonly string? _system;
            /// <summary>The text at the end of the state that the next turn may continue: a stop sequence the model wrote.</summary>
            private string _pending = "";

            public Conversation(IMatMulFreeModel model, ChatPromptTemplate template, string? system)
            {
                _session = new Session(model);
                _template = template;
                _system = system;
            }

            public void Reset()
            {
                _session.Reset();
                _pending = "";
            }

            public IEnumerable<string> Answer(string line, GenerationOptions options, CancellationToken stop)
            {
                string turn = _template.Message(ChatRole.User, line) + _template.AnswerStart;
                if (_session.State.Position == 0)
                {
                    turn = (string.IsNullOrEmpty(_system) ? "" : _template.Message(ChatRole.System, _system!)) + turn;
                }
                else
                {
                    // The previous answer ends with a line break; if the model already wrote the start of this turn, skip it.
                    turn = "\n" + turn;
                    turn = _pending.Length > 0 && turn.StartsWith(_pending, StringComparison.Ordinal) ? turn.Substring(_pending.Length) : turn;
                }
                _session.FeedText(turn);
                _pending = "";
                bool first = true;
                foreach (var token in _session.Generate(options))
                {
                    if (stop.IsCancellationRequested)
                    {
                        yield break;
                    }
                    string text = first ? _template.AnswerText(token.Text) : token.Text;
                    first &= token.Text.Length == 0;
                    if (text.Length > 0)
                    {
                        yield return text;
                    }
                }
                if (_session.LastStopReason == StopReason.StopString)
                {
                    // Generate stops at the first stop sequence the text contains: the template's one (the only one here).
                    _pending = options.StopStrings[0];
                }
            }
        }
    }
}
