using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading;
using MatMulFree.Generator;
using MatMulFree.Runtime;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace MatMulFree.Tests.Generator
{
    /// <summary>An in-memory manifest file, as MSBuild would hand it to the compiler.</summary>
    internal sealed class InMemoryAdditionalText : AdditionalText
    {
        private readonly SourceText _text;

        public InMemoryAdditionalText(string path, string text)
        {
            Path = path;
            _text = SourceText.From(text);
        }

        public override string Path { get; }

        public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
    }

    /// <summary>A manifest file as the compiler decodes it: the text and the encoding it was read with
    /// (UTF-8 when it decodes strictly; else the byte order mark's encoding or the compiler's fallback).</summary>
    internal sealed class EncodedAdditionalText : AdditionalText
    {
        private readonly SourceText _text;

        public EncodedAdditionalText(string path, string text, System.Text.Encoding encoding)
        {
            Path = path;
            _text = SourceText.From(text, encoding);
        }

        public override string Path { get; }

        public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
    }

    /// <summary>A manifest as some decoding of its bytes gave it.</summary>
    internal sealed class SourceAdditionalText : AdditionalText
    {
        private readonly SourceText _text;

        public SourceAdditionalText(string path, SourceText text)
        {
            Path = path;
            _text = text;
        }

        public override string Path { get; }

        public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
    }

    /// <summary>A manifest larger than any reader accepts: its length is all it tells; reading it fails the test.</summary>
    internal sealed class HugeAdditionalText : AdditionalText
    {
        public HugeAdditionalText(string path) => Path = path;

        public override string Path { get; }

        public override SourceText GetText(CancellationToken cancellationToken = default) => new HugeText();

        private sealed class HugeText : SourceText
        {
            public override char this[int position] => throw new InvalidOperationException("the generator read a manifest it should have refused by its length");
            public override int Length => (int)MatMulFree.Model.Manifest.ManifestLimits.MaxManifestBytes + 1;
            public override System.Text.Encoding? Encoding => System.Text.Encoding.UTF8;
            public override void CopyTo(int sourceIndex, char[] destination, int destinationIndex, int count) =>
                throw new InvalidOperationException("the generator read a manifest it should have refused by its length");
        }
    }

    internal sealed class TestOptionsProvider : AnalyzerConfigOptionsProvider
    {
        private readonly TestOptions _global;

        public TestOptionsProvider(IReadOnlyDictionary<string, string> properties) =>
            _global = new TestOptions(properties.ToDictionary(p => "build_property." + p.Key, p => p.Value));

        public override AnalyzerConfigOptions GlobalOptions => _global;
        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => TestOptions.Empty;
        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => TestOptions.Empty;

        private sealed class TestOptions : AnalyzerConfigOptions
        {
            public static readonly TestOptions Empty = new TestOptions(new Dictionary<string, string>());
            private readonly Dictionary<string, string> _values;
            public TestOptions(Dictionary<string, string> values) => _values = values;
            public override bool TryGetValue(string key, out string value) => _values.TryGetValue(key, out value!);
        }
    }

    /// <summary>Runs the source generator in memory on a small project: C# sources, manifests, build properties.</summary>
    internal static class GeneratorHarness
    {
        public const string ProjectDir = "/project";

        private static readonly Lazy<ImmutableArray<MetadataReference>> References = new Lazy<ImmutableArray<MetadataReference>>(() =>
        {
            var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
                .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
                .ToList();
            paths.Add(typeof(GenericModel).Assembly.Location);
            paths.Add(typeof(MatMulFree.Model.Architecture).Assembly.Location);
            // Available, so that generated code using the compiler would build, and LayeringTests would see it.
            paths.Add(typeof(MatMulFree.Compiler.Planning.ModelPlan).Assembly.Location);
            return paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
        });

        public static CSharpParseOptions ParseOptions { get; } = new CSharpParseOptions(LanguageVersion.Latest);

        public static CSharpCompilation Compilation(params string[] sources) =>
            CSharpCompilation.Create("GeneratedModels",
                sources.Select((s, k) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"{ProjectDir}/Source{k}.cs")),
                References.Value,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, nullableContextOptions: NullableContextOptions.Enable));

        public static GeneratorDriver Driver(IEnumerable<AdditionalText> manifests, IReadOnlyDictionary<string, string>? properties = null) =>
            CSharpGeneratorDriver.Create(
                new[] { new ModelGenerator().AsSourceGenerator() },
                manifests,
                ParseOptions,
                new TestOptionsProvider(properties ?? new Dictionary<string, string>()),
                new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

        public static AdditionalText Manifest(string relativePath, string text) => new InMemoryAdditionalText($"{ProjectDir}/{relativePath}", text);

        public static string ModelClass(string className, string manifestPath, string ns = "Models") =>
            $"using MatMulFree.Runtime;\nnamespace {ns};\n\n[MatMulFreeModel(\"{manifestPath}\")]\npublic partial class {className};\n";

        /// <summary>Runs the generator once; fails on a generator exception.</summary>
        public static Result Run(CSharpCompilation compilation, IEnumerable<AdditionalText> manifests, IReadOnlyDictionary<string, string>? properties = null)
        {
            var driver = Driver(manifests, properties).RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
            var run = driver.GetRunResult();
            var exception = run.Results.Select(r => r.Exception).FirstOrDefault(e => e != null);
            if (exception != null)
            {
                throw new InvalidOperationException("the generator threw: " + exception);
            }
            return new Result(driver, (CSharpCompilation)output, run.Diagnostics, run.GeneratedTrees.Select(t => t.GetText().ToString()).ToList());
        }

        internal sealed record Result(GeneratorDriver Driver, CSharpCompilation Output, ImmutableArray<Diagnostic> Diagnostics, IReadOnlyList<string> Sources);

        /// <summary>Emits the compilation and loads it; fails with the compiler's errors.</summary>
        public static Assembly Load(CSharpCompilation compilation, IEnumerable<ResourceDescription>? resources = null)
        {
            using var stream = new MemoryStream();
            var emit = compilation.Emit(stream, manifestResources: resources);
            if (!emit.Success)
            {
                throw new InvalidOperationException("generated code does not compile:\n" +
                    string.Join("\n", emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(20)));
            }
            return Assembly.Load(stream.ToArray());
        }

        /// <summary>Generates, compiles and instantiates the model of one committed manifest.</summary>
        public static IMatMulFreeModel CompileModel(string name, string kernel = "auto")
        {
            var manifest = Manifest($"models/{name}.mmf.json", TestData.ModelText(name));
            var result = Run(Compilation(ModelClass("CompiledModel", $"models/{name}.mmf.json")), new[] { manifest },
                new Dictionary<string, string> { ["MatMulFreeKernel"] = kernel });
            if (!result.Diagnostics.IsEmpty)
            {
                throw new InvalidOperationException("unexpected diagnostics: " + string.Join("\n", result.Diagnostics));
            }
            var assembly = Load(result.Output);
            return (IMatMulFreeModel)Activator.CreateInstance(assembly.GetType("Models.CompiledModel")!)!;
        }
    }
}
