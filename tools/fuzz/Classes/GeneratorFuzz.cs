using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Runtime.Loader;
using System.Threading;
using MatMulFree.Generator;
using MatMulFree.Runtime;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace MatMulFree.Fuzz
{
    /// <summary>
    /// The source generator through a real Roslyn driver, in memory: damaged manifests (as in the
    /// manifest class) and manifests whose name, special token or pieces carry C# meant to run at
    /// startup behind every line terminator. The generator must not throw; a refused manifest gives
    /// located diagnostics; an accepted one compiles, is printable ASCII, runs a step, gives its name
    /// back unchanged, and its payload never runs (it would write a marker file).
    /// </summary>
    public sealed class GeneratorFuzz : FuzzClass
    {
        private static readonly string[] Terminators = { "\n", "\r", "\r\n", "\u0085", "\u2028", "\u2029" };

        private static readonly Lazy<ImmutableArray<MetadataReference>> References = new Lazy<ImmutableArray<MetadataReference>>(() =>
        {
            var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
                .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll")
                .Append(typeof(GenericModel).Assembly.Location)
                .Append(typeof(MatMulFree.Model.Architecture).Assembly.Location);
            return paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
        });

        public override string Name => "generator";
        public override string Description => "damaged manifests and C# payloads in names, special tokens and pieces through the Roslyn generator; accepted ones compiled, loaded and run";
        public override int CiCount => 40;
        public override int FullCount => 2000;
        public override long MemoryBoundKiB(long largestInput) => 2048 * 1024 + 4 * largestInput / 1024;

        public override Result Run(int index, Random random, string dir)
        {
            string marker = Path.Combine(dir, "INJECTED");
            string payload = "[System.Runtime.CompilerServices.ModuleInitializer] internal static void Fuzz() => System.IO.File.WriteAllText(@\"" + marker + "\", \"x\");";
            string text;
            string? expectedName = null;
            if (index % 3 == 0)
            {
                string end = Terminators[random.Next(Terminators.Length)];
                string hostile = "x" + end + payload + " //" + end + "*/ \" + Fuzz() + \" \\" + end + "#error no";
                var root = System.Text.Json.Nodes.JsonNode.Parse(index % 2 == 0 ? File.ReadAllText(Repository.Model("micro-l2-h16")) : ManifestFuzz.Bpe())!.AsObject();
                if (root["tokenizer"]!["type"]!.GetValue<string>() == "bpe")
                {
                    root["tokenizer"]!["pieces"]!.AsArray()[250] = hostile;
                }
                else
                {
                    var specials = new System.Text.Json.Nodes.JsonObject { [hostile] = 0, ["<s>"] = 1, ["</s>"] = 2 };
                    root["tokenizer"]!["special_tokens"] = specials;
                }
                root["name"] = hostile;
                expectedName = hostile;
                text = Mutations.Redigest(root.ToJsonString());
            }
            else
            {
                text = File.ReadAllText(Repository.Model(index % 2 == 0 ? "micro-l2-h16" : "tiny-l2-h64"));
                for (int k = 1 + random.Next(2); k > 0; k--)
                {
                    text = Mutations.Text(text, random);
                }
                if (random.Next(2) == 0)
                {
                    text = Mutations.Redigest(text);
                }
            }
            const string path = "/project/models/m.mmf.json";
            var user = CSharpSyntaxTree.ParseText("using MatMulFree.Runtime;\nnamespace Models;\n[MatMulFreeModel(\"models/m.mmf.json\")]\npublic partial class M;\n",
                new CSharpParseOptions(LanguageVersion.Latest), "/project/M.cs");
            var compilation = CSharpCompilation.Create("Fuzzed", new[] { user }, References.Value,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
            GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new ModelGenerator().AsSourceGenerator() }, new[] { new Text(path, text) },
                new CSharpParseOptions(LanguageVersion.Latest));
            driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
            var run = driver.GetRunResult();
            if (run.Results.Any(r => r.Exception != null))
            {
                return new Result(Outcome.Crash, "the generator threw: " + run.Results.First(r => r.Exception != null).Exception!.Message, text.Length);
            }
            if (!run.Diagnostics.IsEmpty)
            {
                var unlocated = run.Diagnostics.FirstOrDefault(d => d.Location.GetLineSpan().Path != path && d.Location.GetLineSpan().Path != "/project/M.cs");
                return unlocated == null
                    ? new Result(Outcome.Error, run.Diagnostics[0].GetMessage(), text.Length)
                    : new Result(Outcome.Unlocated, unlocated.ToString(), text.Length);
            }
            string source = run.GeneratedTrees.Single().GetText().ToString();
            if (source.Any(c => c != '\n' && (c < ' ' || c > '~')))
            {
                return new Result(Outcome.Injection, "the generated source is not printable ASCII", text.Length);
            }
            using var stream = new MemoryStream();
            var emit = output.Emit(stream);
            if (!emit.Success)
            {
                return new Result(Outcome.Crash, "accepted, but the generated code does not compile: " + emit.Diagnostics.First(d => d.Severity == DiagnosticSeverity.Error), text.Length);
            }
            var context = new AssemblyLoadContext("fuzz" + index, isCollectible: true);
            try
            {
                stream.Position = 0;
                var assembly = context.LoadFromStream(stream);
                var model = (IMatMulFreeModel)Activator.CreateInstance(assembly.GetType("Models.M")!)!;
                model.Step(model.Architecture.Bos, model.CreateState(), new float[model.Architecture.Vocab]);
                if (File.Exists(marker))
                {
                    return new Result(Outcome.Injection, "the payload ran", text.Length);
                }
                if (expectedName != null && model.Name != expectedName)
                {
                    return new Result(Outcome.Injection, "the name did not come back as it was", text.Length);
                }
                return new Result(Outcome.Accepted, "", text.Length);
            }
            finally
            {
                context.Unload();
            }
        }

        private sealed class Text : AdditionalText
        {
            private readonly SourceText _text;

            public Text(string path, string text)
            {
                Path = path;
                _text = SourceText.From(text, System.Text.Encoding.UTF8);
            }

            public override string Path { get; }

            public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
        }
    }
}
