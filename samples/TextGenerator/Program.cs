using System;
using System.Globalization;
using MatMulFree.Runtime.Generation;
using MatMulFree.Runtime.Sampling;
using TextGenerator;

// textgen [--prompt TEXT] [--max-tokens N] [--temperature T] [--top-p P] [--seed S] [--chat]
// Generates with the model compiled into this program (SampleModel.cs): no manifest is read.
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
        string Next() => k + 1 < args.Length ? args[++k] : throw new ArgumentException($"{args[k]} needs a value");
        switch (args[k])
        {
            case "--prompt": prompt = Next(); break;
            case "--max-tokens": maxTokens = int.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--temperature": temperature = float.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--top-p": topP = float.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--seed": seed = ulong.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--chat": chat = true; break;
            default: throw new ArgumentException($"unknown option {args[k]}");
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
catch (Exception e) when (e is ArgumentException || e is FormatException || e is OverflowException)
{
    Console.Error.WriteLine("textgen: " + e.Message);
    return 1;
}
