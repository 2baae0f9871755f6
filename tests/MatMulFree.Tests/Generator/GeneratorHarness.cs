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
            // The IChatClient adapter and its abstractions, for the docs' snippets that use them.
            paths.Add(typeof(MatMulFree.AI.MatMulFreeChatClient).Assembly.Location);
            paths.Add(typeof(Microsoft.Extensions.AI.IChatClient).Assembly.Location);
            return paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
        });

        public static CSharpParseOptions ParseOptions { get; } = new CSharpParseOptions(LanguageVersion.Latest);

        public static CSharpCompilation Compilation(params string[] sources) =>
            CSharpCompilation.Create("GeneratedModels",
                sources.Select((s, k) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"{ProjectDir}/Source{k}.cs")),
                References.Value,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, nullableContextOptions: NullableContextOptions.Enable));

        /// <summary>The build targets' property that says they are imported, as MatMulFree.props sets it.</summary>
        public static readonly IReadOnlyDictionary<string, string> BuildTargets = new Dictionary<string, string> { ["MatMulFreeBuildTargets"] = "true" };

        /// <summary>A driver as a build that imports the MatMulFree targets runs it, unless
        /// <paramref name="properties"/> sets MatMulFreeBuildTargets itself.</summary>
        public static GeneratorDriver Driver(IEnumerable<AdditionalText> manifests, IReadOnlyDictionary<string, string>? properties = null)
        {
            var all = new Dictionary<string, string>(BuildTargets);
            foreach (var p in properties ?? new Dictionary<string, string>())
            {
                all[p.Key] = p.Value;
            }
            return CSharpGeneratorDriver.Create(
                new[] { new ModelGenerator().AsSourceGenerator() },
                manifests,
                ParseOptions,
                new TestOptionsProvider(all),
                new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        }

        /// <summary>The data resources the build's MatMulFreeData task would embed for these manifests
        /// (computed here from each manifest's text with the model assembly, as that task does).</summary>
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Compilation, List<MatMulFree.Model.DataResource>> DataResources = new();

        public static List<MatMulFree.Model.DataResource> DataOf(IEnumerable<AdditionalText> manifests)
        {
            var result = new List<MatMulFree.Model.DataResource>();
            foreach (var file in manifests)
            {
                if (file is HugeAdditionalText)
                {
                    continue;
                }
                var text = file.GetText()?.ToString();
                var model = text == null ? null : MatMulFree.Model.Manifest.ManifestReader.Read(text, MatMulFree.Model.Manifest.DeferWeightsFile.Instance).Model;
                if (model != null)
                {
                    result.Add(MatMulFree.Model.DataResource.Of(model));
                }
            }
            return result;
        }

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
            DataResources.AddOrUpdate(output, DataOf(manifests));
            return new Result(driver, (CSharpCompilation)output, run.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray(),
                run.GeneratedTrees.Select(t => t.GetText().ToString()).ToList(), run.Diagnostics);
        }

        /// <summary>A run: <see cref="Diagnostics"/> are its warnings and errors; <see cref="All"/> also has
        /// the Info diagnostic that says what was generated for each model (MMF0030).</summary>
        internal sealed record Result(GeneratorDriver Driver, CSharpCompilation Output, ImmutableArray<Diagnostic> Diagnostics, IReadOnlyList<string> Sources,
            ImmutableArray<Diagnostic> All);

        /// <summary>The data resources of the manifests <see cref="Run"/> made <paramref name="compilation"/> with, each once.</summary>
        public static IEnumerable<ResourceDescription> DataResourcesOf(Compilation compilation) =>
            DataResources.TryGetValue(compilation, out var data)
                ? data.GroupBy(d => d.Name).Select(g => g.First()).Select(d => new ResourceDescription(d.Name, () => new MemoryStream(d.Bytes), isPublic: true)).ToList()
                : new List<ResourceDescription>();

        /// <summary>Emits the compilation and loads it; fails with the compiler's errors. A compilation that
        /// <see cref="Run"/> made gets the data resources of its manifests, as the build targets embed them.</summary>
        public static Assembly Load(CSharpCompilation compilation, IEnumerable<ResourceDescription>? resources = null)
        {
            var all = new List<ResourceDescription>(resources ?? Array.Empty<ResourceDescription>());
            all.AddRange(DataResourcesOf(compilation));
            using var stream = new MemoryStream();
            var emit = compilation.Emit(stream, manifestResources: all);
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
