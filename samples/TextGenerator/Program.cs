using System;
using System.Globalization;
using MatMulFree.Runtime.Generation;
using MatMulFree.Runtime.Sampling;
using TextGenerator;

const string Usage = """
    textgen [--prompt TEXT] [--max-tokens N] [--temperature T] [--top-p P] [--seed S] [--chat]
    Generates text with the model compiled into this program (SampleModel.cs): no manifest is read.
      --prompt TEXT      text to continue (default: "The jury said")
      --max-tokens N     stop after N generated tokens (default: 64)
      --temperature T    0 for greedy (default: 0.7)
      --top-p P          nucleus sampling mass in (0, 1] (default: 0.9)
      --seed S           the same seed gives the same text (default: 1)
      --chat             read lines from stdin, answer each until a newline
      -h, --help         this text
    """;
string prompt = "The jury said";
int maxTokens = 64;
// The reference demo samples with 0.6 / 0.4; this small byte-level model repeats
// itself at those settings, so it samples a little wider by default.
float temperature = 0.7f, topP = 0.9f;
ulong seed = 1;
bool chat = false;
try
{
    for (int k = 0; k < args.Length; k++)
    {
        string option = args[k];
        string Next() => k + 1 < args.Length ? args[++k] : throw new ArgumentException($"{option} needs a value");
        T Number<T>(string text) where T : ISpanParsable<T> =>
            T.TryParse(text, CultureInfo.InvariantCulture, out var value) ? value
            : throw new ArgumentException($"{option}: \"{text}\" is not a {(typeof(T) == typeof(float) ? "number" : "whole number")}");
        switch (option)
        {
            case "--prompt": prompt = Next(); break;
            case "--max-tokens": maxTokens = Number<int>(Next()); break;
            case "--temperature": temperature = Number<float>(Next()); break;
            case "--top-p": topP = Number<float>(Next()); break;
            case "--seed": seed = Number<ulong>(Next()); break;
            case "--chat": chat = true; break;
            case "-h":
            case "--help":
                Console.WriteLine(Usage);
                return 0;
            default: throw new ArgumentException($"unknown option {option} (textgen --help lists them)");
        }
    }
    var options = new GenerationOptions
    {
        MaxTokens = maxTokens,
        StopStrings = chat ? new[] { "\n" } : Array.Empty<string>(),
        Sampling = new SamplingOptions { Temperature = temperature, TopP = topP, Seed = seed },
    };
    options.Validate();
    var session = new Session(new SampleModel());
    if (!chat)
    {
        session.FeedText(prompt);
        Console.Write(prompt);
        foreach (var token in session.Generate(options))
        {
            Console.Write(token.Text);
        }
        Console.WriteLine();
        Console.Error.WriteLine($"[{session.Model.Name}, compiled in; {session.State.Position} tokens; stopped: {session.LastStopReason}; packed kernel path {MatMulFree.Runtime.Kernels.PackedTernaryKernel.Best}]");
        return 0;
    }
    // Chat: each line you type is fed to the same session; the model answers until a newline.
    Console.Error.WriteLine($"{session.Model.Name} (compiled in). Type a line, or an empty line to quit.");
    while (Console.ReadLine() is string line && line.Length > 0)
    {
        session.FeedText(line + "\n");
        foreach (var token in session.Generate(options))
        {
            Console.Write(token.Text);
        }
        Console.WriteLine();
    }
    return 0;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine("textgen: " + e.Message);
    return 1;
}
