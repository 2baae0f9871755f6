using System;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Generation;
using MatMulFree.Runtime.Sampling;

// Usage: dotnet run --project samples/HelloRuntime -- samples/models/brown-l4-h128.mmf.json "Once upon a time"
string manifest = args.Length > 0 ? args[0] : "samples/models/brown-l4-h128.mmf.json";
string prompt = args.Length > 1 ? args[1] : "Once upon a time";

GenericModel model;
try
{
    model = GenericModel.Load(manifest);          // validates the manifest; throws ManifestException with located errors
}
catch (Exception e) when (e is ManifestException || e is System.IO.IOException || e is UnauthorizedAccessException)
{                                                 // invalid (located), missing or unreadable: the message says which
    Console.Error.WriteLine($"hello: {e.Message}");
    return 2;
}
var session = new Session(model);                 // recurrent state: constant memory, no KV cache
session.FeedText(prompt);                         // BOS + prompt bytes, one token step each

var options = new GenerationOptions
{
    MaxTokens = 64,
    StopStrings = new[] { "\n\n" },
    Sampling = new SamplingOptions { Temperature = 0.6f, TopP = 0.4f, Seed = 1 }, // the reference demo's settings
};
Console.Write(prompt);
foreach (var token in session.Generate(options))
{
    Console.Write(token.Text);                    // streamed as produced; split UTF-8 characters arrive whole
}
Console.WriteLine($"\n[{session.LastStopReason}, {session.State.Position} tokens, {session.SizeInBytes:N0} bytes of session state]");
return 0;
