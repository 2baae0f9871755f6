using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis;
using Xunit;

namespace MatMulFree.Tests.Generator
{
    /// <summary>One test per diagnostic id of docs/diagnostics.md: id, severity and location.</summary>
    public sealed class GeneratorDiagnosticsTests
    {
        private const string ManifestPath = "models/micro.mmf.json";
        private static string Micro => TestData.ModelText("micro-l2-h16");

        private static IReadOnlyList<Diagnostic> Diagnose(string source, string? manifest = null, string manifestPath = ManifestPath,
            IReadOnlyDictionary<string, string>? properties = null)
        {
            var files = manifest == null ? Array.Empty<Microsoft.CodeAnalysis.AdditionalText>() : new[] { GeneratorHarness.Manifest(manifestPath, manifest) };
            return GeneratorHarness.Run(GeneratorHarness.Compilation(source), files, properties).Diagnostics;
        }

        private static Diagnostic Single(string id, IReadOnlyList<Diagnostic> diagnostics)
        {
            var d = Assert.Single(diagnostics);
            Assert.Equal(id, d.Id);
            return d;
        }

        /// <summary>A model that was not generated leaves one source: a stand-in that implements the
        /// interface with members that throw, naming the diagnostic.</summary>
        private static void StandsIn(GeneratorHarness.Result result)
        {
            string source = Assert.Single(result.Sources);
            string id = Assert.Single(result.Diagnostics, d => d.Severity == DiagnosticSeverity.Error).Id;
            Assert.Contains($"generated no model ({id}; see the build's errors)", source);
            Assert.DoesNotContain("private static", source);
        }

        /// <summary>User code that uses a [MatMulFreeModel] class as a model, and the errors of its whole build.</summary>
        private static IReadOnlyList<Diagnostic> BuildErrors(string manifestPath, string? manifest, IReadOnlyDictionary<string, string>? properties = null)
        {
            const string user = "using MatMulFree.Runtime;\nnamespace App;\npublic static class Use\n{\n    public static IMatMulFreeModel Make() => new Models.M();\n    public static int Vocab(IMatMulFreeModel m) => m.Architecture.Vocab;\n}\n";
            var files = manifest == null ? Array.Empty<Microsoft.CodeAnalysis.AdditionalText>() : new[] { GeneratorHarness.Manifest(manifestPath, manifest) };
            var result = GeneratorHarness.Run(GeneratorHarness.Compilation(GeneratorHarness.ModelClass("M", ManifestPath), user), files, properties);
            return result.Diagnostics.Concat(result.Output.GetDiagnostics()).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        }

        [Theory]
        [InlineData("absent", "MMF0001")]
        [InlineData("broken", "MMF0002")]
        [InlineData("limit", "MMF0023")]
        [InlineData("tampered", "MMF0018")]
        public void A_model_that_cannot_be_generated_gives_its_error_and_no_other(string what, string id)
        {
            var errors = what switch
            {
                "absent" => BuildErrors(ManifestPath, null),
                "broken" => BuildErrors(ManifestPath, "{ \"format\": "),
                "limit" => BuildErrors(ManifestPath, Micro, new Dictionary<string, string> { ["MatMulFreeUnrollLimit"] = "10" }),
                _ => BuildErrors(ManifestPath, Micro.Replace("\"name\": \"micro-l2-h16\"", "\"name\": \"micro-l2-h17\"")),
            };
            Assert.Equal(id, Assert.Single(errors).Id);
        }

        private static string EditManifest(Action<JsonObject> change, bool redigest = false)
        {
            var root = JsonNode.Parse(Micro)!.AsObject();
            change(root);
            if (redigest)
            {
                root["integrity"]!["digest"] = IndependentDigest.Of(root);
            }
            return root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        }

        [Fact]
        public void MMF0001_manifest_not_among_additional_files()
        {
            var d = Single("MMF0001", Diagnose(GeneratorHarness.ModelClass("M", "models/absent.mmf.json"), Micro));
            Assert.Equal(DiagnosticSeverity.Error, d.Severity);
            Assert.Contains("models/absent.mmf.json", d.GetMessage());
            // It names the manifests it did find, so a wrong folder or spelling shows at once.
            Assert.EndsWith("the manifests among the AdditionalFiles: '/project/models/micro.mmf.json'", d.GetMessage());
            Assert.Equal(GeneratorHarness.ProjectDir + "/Source0.cs", d.Location.GetLineSpan().Path);
            Assert.Equal(3, d.Location.GetLineSpan().StartLinePosition.Line); // the attribute's line (0-based)
        }

        [Fact]
        public void MMF0002_invalid_json_with_line_and_column_in_the_manifest()
        {
            string broken = "{\n  \"format\": \"matmulfree-manifest\",\n  \"version\": 1,,\n}";
            var d = Single("MMF0002", Diagnose(GeneratorHarness.ModelClass("M", ManifestPath), broken));
            var span = d.Location.GetLineSpan();
            Assert.Equal(GeneratorHarness.ProjectDir + "/" + ManifestPath, span.Path);
            // 0-based: third line, the second comma of "  \"version\": 1,,".
            Assert.Equal((2, 15), (span.StartLinePosition.Line, span.StartLinePosition.Character));
        }

        public static IEnumerable<object[]> ManifestErrors() => new List<object[]>
        {
            new object[] { "MMF0003", (Action<JsonObject>)(r => r["version"] = 7), "\"version\": 7" },
            new object[] { "MMF0004", (Action<JsonObject>)(r => r["architecture"]!.AsObject().Remove("eos")), "\"architecture\": {" },
            new object[] { "MMF0005", (Action<JsonObject>)(r => r["architecture"]!["heads"] = 1), "\"heads\"" },
            new object[] { "MMF0006", (Action<JsonObject>)(r => r["architecture"]!["layers"] = "two"), "\"layers\": \"two\"" },
            new object[] { "MMF0007", (Action<JsonObject>)(r => r["architecture"]!["bos"] = 9999), "\"bos\": 9999" },
            new object[] { "MMF0008", (Action<JsonObject>)(r => r["architecture"]!["hidden"] = 10_000_000), "\"hidden\": 10000000" },
            new object[] { "MMF0009", (Action<JsonObject>)(r => r["tensors"]!.AsObject().Remove("lm_head.weight")), "\"tensors\": {" },
            new object[] { "MMF0010", (Action<JsonObject>)(r => r["tensors"]!["extra.weight"] = r["tensors"]!["model.norm.weight"]!.DeepClone()), "\"extra.weight\"" },
            new object[] { "MMF0011", (Action<JsonObject>)(r => r["tensors"]!["model.norm.weight"]!["shape"] = new JsonArray(15)), "\"shape\": [" },
            new object[] { "MMF0012", (Action<JsonObject>)(r => r["tensors"]!["model.norm.weight"]!["dtype"] = "f8"), "\"dtype\": \"f8\"" },
            new object[] { "MMF0013", (Action<JsonObject>)(r => r["tensors"]!["model.norm.weight"]!["data"] = "!!!!" + ((string)r["tensors"]!["model.norm.weight"]!["data"]!).Substring(4)), "!!!!" },
            new object[] { "MMF0014", (Action<JsonObject>)(r => r["tensors"]!["model.norm.weight"]!["data"] = "AAAA"), "\"data\": \"AAAA\"" },
            new object[] { "MMF0015", (Action<JsonObject>)(r => r["tensors"]!["lm_head.weight"]!["data"] = "/" + ((string)r["tensors"]!["lm_head.weight"]!["data"]!).Substring(1)), "\"data\": \"/" },
            new object[] { "MMF0016", (Action<JsonObject>)(r => r["tensors"]!["lm_head.weight"]!["beta"] = -1), "\"beta\": -1" },
            new object[] { "MMF0017", (Action<JsonObject>)(r => r["tensors"]!["model.norm.weight"]!["data"] = "AACAfw" + ((string)r["tensors"]!["model.norm.weight"]!["data"]!).Substring(6)), "\"data\": \"AACAfw" },
            new object[] { "MMF0018", (Action<JsonObject>)(r => r["integrity"]!["digest"] = new string('0', 64)), "\"digest\": \"0000" },
            new object[] { "MMF0026", (Action<JsonObject>)(r => r["weights"] = new JsonObject { ["path"] = "../micro.mmfw", ["size"] = 64, ["sha256"] = new string('0', 64) }), "\"../micro.mmfw\"" },
        };

        [Theory]
        [MemberData(nameof(ManifestErrors))]
        public void Manifest_validation_errors_are_located_in_the_manifest(string id, Action<JsonObject> change, string expectedTextAtLocation)
        {
            string manifest = EditManifest(change);
            var diagnostics = Diagnose(GeneratorHarness.ModelClass("M", ManifestPath), manifest);
            var d = Assert.Single(diagnostics, x => x.Id == id);
            Assert.Equal(DiagnosticSeverity.Error, d.Severity);
            var span = d.Location.GetLineSpan();
            Assert.Equal(GeneratorHarness.ProjectDir + "/" + ManifestPath, span.Path);
            // The location points at the offending text (or the object that lacks it).
            int start = d.Location.SourceSpan.Start;
            string at = manifest.Substring(start, Math.Min(manifest.Length - start, 200));
            string line = manifest.Split('\n')[span.StartLinePosition.Line];
            Assert.True(at.StartsWith(expectedTextAtLocation.TrimStart('"')) || line.Contains(expectedTextAtLocation),
                $"{id} points at line {span.StartLinePosition.Line + 1}: '{line.Trim()}' / '{at.Substring(0, Math.Min(40, at.Length))}'");
        }

        [Fact]
        public void MMF0020_class_not_partial()
        {
            var d = Single("MMF0020", Diagnose("using MatMulFree.Runtime;\n[MatMulFreeModel(\"models/micro.mmf.json\")]\npublic class Plain { }", Micro));
            Assert.Equal(2, d.Location.GetLineSpan().StartLinePosition.Line);
            Assert.Contains("Plain", d.GetMessage());
        }

        [Theory]
        [InlineData("public static partial class S { }", "static")]
        [InlineData("public partial class G<T> { }", "generic")]
        [InlineData("public partial class Outer { [MatMulFreeModel(\"models/micro.mmf.json\")] public partial class Inner { } }", "nested")]
        [InlineData("public partial record R;", "records")]
        public void MMF0021_class_shape_not_supported(string declaration, string reason)
        {
            string source = "using MatMulFree.Runtime;\n" + (declaration.Contains("Outer") ? "" : "[MatMulFreeModel(\"models/micro.mmf.json\")]\n") + declaration;
            var d = Assert.Single(Diagnose(source, Micro), x => x.Id == "MMF0021");
            Assert.Contains(reason, d.GetMessage());
        }

        [Fact]
        public void MMF0022_two_classes_compile_one_manifest()
        {
            string source = GeneratorHarness.ModelClass("A", ManifestPath) + "\n[MatMulFreeModel(\"micro.mmf.json\")]\npublic partial class B;\n";
            var d = Single("MMF0022", Diagnose(source, Micro));
            Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
            Assert.Contains("Models.A", d.GetMessage());
        }

        [Fact]
        public void MMF0023_model_over_the_unroll_limit_names_the_limit_and_the_property()
        {
            var props = new Dictionary<string, string> { ["MatMulFreeUnrollLimit"] = "1000" };
            var result = GeneratorHarness.Run(GeneratorHarness.Compilation(GeneratorHarness.ModelClass("M", ManifestPath)),
                new[] { GeneratorHarness.Manifest(ManifestPath, Micro) }, props);
            var d = Single("MMF0023", result.Diagnostics);
            Assert.Equal(DiagnosticSeverity.Error, d.Severity);
            Assert.Contains("MatMulFreeUnrollLimit", d.GetMessage());
            Assert.Contains("1,000", d.GetMessage());
            StandsIn(result);
        }

        [Fact]
        public void MMF0027_model_over_the_source_limit_names_the_limit_and_the_property()
        {
            var props = new Dictionary<string, string> { ["MatMulFreeSourceLimit"] = "100000" };
            var result = GeneratorHarness.Run(GeneratorHarness.Compilation(GeneratorHarness.ModelClass("M", ManifestPath)),
                new[] { GeneratorHarness.Manifest(ManifestPath, Micro) }, props);
            var d = Single("MMF0027", result.Diagnostics);
            Assert.Equal(DiagnosticSeverity.Error, d.Severity);
            Assert.Contains("MatMulFreeSourceLimit", d.GetMessage());
            Assert.Contains("100,000", d.GetMessage());
            Assert.Contains("external weights file", d.GetMessage());
            StandsIn(result);
            // The same model within the limit compiles; a bad value warns and keeps the default.
            props["MatMulFreeSourceLimit"] = "big";
            result = GeneratorHarness.Run(GeneratorHarness.Compilation(GeneratorHarness.ModelClass("M", ManifestPath)),
                new[] { GeneratorHarness.Manifest(ManifestPath, Micro) }, props);
            Assert.Equal("MMF0025", Assert.Single(result.Diagnostics).Id);
            Assert.Single(result.Sources);
        }

        [Fact]
        public void MMF0008_a_manifest_over_the_size_every_reader_accepts_is_refused_unread()
        {
            // The text reports its length and fails the test if anything reads it.
            var result = GeneratorHarness.Run(GeneratorHarness.Compilation(GeneratorHarness.ModelClass("M", ManifestPath)),
                new AdditionalText[] { new HugeAdditionalText(GeneratorHarness.ProjectDir + "/" + ManifestPath) });
            var d = Single("MMF0008", result.Diagnostics);
            Assert.Contains("more than the 1,073,741,824 bytes", d.GetMessage());
            StandsIn(result);
        }

        [Fact]
        public void MMF0024_empty_manifest_path()
        {
            Single("MMF0024", Diagnose(GeneratorHarness.ModelClass("M", " "), Micro));
        }

        [Theory]
        [InlineData("lots")]
        [InlineData("-5")]
        public void MMF0025_invalid_unroll_limit_falls_back_to_the_default(string value)
        {
            var props = new Dictionary<string, string> { ["MatMulFreeUnrollLimit"] = value };
            var result = GeneratorHarness.Run(GeneratorHarness.Compilation(GeneratorHarness.ModelClass("M", ManifestPath)),
                new[] { GeneratorHarness.Manifest(ManifestPath, Micro) }, props);
            var d = Single("MMF0025", result.Diagnostics);
            Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
            Assert.Single(result.Sources);
        }

        [Fact]
        public void A_build_without_the_targets_gets_an_error_that_says_what_is_missing()
        {
            // The model's data is an embedded resource that only the build targets write: without them
            // the model would fail when first used, so the build says so instead (MMF0028).
            string source = GeneratorHarness.ModelClass("M", ManifestPath);
            var d = Single("MMF0028", Diagnose(source, Micro, properties: new Dictionary<string, string> { ["MatMulFreeBuildTargets"] = "" }));
            Assert.Equal(DiagnosticSeverity.Error, d.Severity);
            Assert.Contains("MatMulFree package", d.GetMessage());
            Assert.StartsWith("MatMulFreeModel(", source.Substring(d.Location.SourceSpan.Start));
            // A <MatMulFreeModel> item without the targets is no additional file at all: the error says the targets
            // are missing, not "add the item" (MMF0001), which the user did.
            Assert.Equal("MMF0028", Single("MMF0028", Diagnose(source, manifest: null, properties: new Dictionary<string, string> { ["MatMulFreeBuildTargets"] = "" })).Id);
        }

        [Fact]
        public void A_build_that_embeds_other_data_than_the_generator_expects_is_an_error()
        {
            // The build task names each resource by its content; a task and a generator that disagree (two
            // versions of MatMulFree in one build) would give a model without its data (MMF0029).
            string expected = GeneratorHarness.DataOf(new[] { GeneratorHarness.Manifest(ManifestPath, Micro) }).Single().Name;
            var d = Single("MMF0029", Diagnose(GeneratorHarness.ModelClass("M", ManifestPath), Micro,
                properties: new Dictionary<string, string> { ["MatMulFreeDataResources"] = "MatMulFree.00000000000000000000000000000000.mmfd" }));
            Assert.Contains(expected, d.GetMessage());
            Assert.Contains("MatMulFree.00000000000000000000000000000000.mmfd", d.GetMessage());
            Assert.Empty(Diagnose(GeneratorHarness.ModelClass("M", ManifestPath), Micro,
                properties: new Dictionary<string, string> { ["MatMulFreeDataResources"] = "MatMulFree.00000000000000000000000000000000.mmfd," + expected }));
            // The targets ran and embedded nothing (the manifest is an additional file the task does not take):
            // the message names the manifest and says how to give it.
            var none = Single("MMF0029", Diagnose(GeneratorHarness.ModelClass("M", ManifestPath), Micro,
                properties: new Dictionary<string, string> { ["MatMulFreeDataResources"] = "none" }));
            Assert.Contains("'micro.mmf.json' as a <MatMulFreeModel> item", none.GetMessage());
            // A design-time build, where the target did not run: nothing to check.
            Assert.Empty(Diagnose(GeneratorHarness.ModelClass("M", ManifestPath), Micro, properties: new Dictionary<string, string> { ["MatMulFreeDataResources"] = "" }));
        }

        [Theory]
        [InlineData("brown-l4-h128", "auto", "25 BitLinear layers, 0 unrolled into add/subtract code and 25 on the packed kernel: 25 by size (auto unrolls a layer of at most 2,048 weights")]
        [InlineData("micro-l2-h16", "auto", "13 BitLinear layers, 13 unrolled into add/subtract code and 0 on the packed kernel: 13 by size")]
        [InlineData("tiny-l2-h64", "auto", "13 BitLinear layers, 0 unrolled into add/subtract code and 13 on the packed kernel: 13 by size")]
        [InlineData("tiny-l2-h64", "unrolled", "13 BitLinear layers, 13 unrolled into add/subtract code and 0 on the packed kernel: 13 by MatMulFreeKernel.")]
        public void Each_model_gets_an_info_that_says_what_was_generated_and_how_to_change_it(string name, string kernel, string expected)
        {
            // Like SYSLIB1044 for the Regex generator's limited mode: nothing is wrong, but the user learns
            // which form each layer got, why, and which property changes it (MMF0030).
            string source = GeneratorHarness.ModelClass("M", $"models/{name}.mmf.json");
            var result = GeneratorHarness.Run(GeneratorHarness.Compilation(source),
                new[] { GeneratorHarness.Manifest($"models/{name}.mmf.json", TestData.ModelText(name)) },
                new Dictionary<string, string> { ["MatMulFreeKernel"] = kernel, ["MatMulFreeUnrollLimit"] = "100000000" });
            Assert.Empty(result.Diagnostics);
            var info = Assert.Single(result.All);
            Assert.Equal("MMF0030", info.Id);
            Assert.Equal(DiagnosticSeverity.Info, info.Severity);
            Assert.Equal("M", source.Substring(info.Location.SourceSpan.Start, info.Location.SourceSpan.Length));
            Assert.StartsWith($"Model 'Models.M' ({name}): ", info.GetMessage());
            Assert.Contains(expected, info.GetMessage());
            Assert.Contains("MatMulFreeKernel (auto, unrolled or packed) or the manifest's \"kernels\" changes it", info.GetMessage());
        }

        [Fact]
        public void Every_descriptor_is_documented_and_tested()
        {
            var documented = System.IO.File.ReadAllText(System.IO.Path.Combine(TestData.Root, "docs", "diagnostics.md"));
            var tests = System.IO.File.ReadAllText(System.IO.Path.Combine(TestData.Root, "tests", "MatMulFree.Tests", "Generator", "GeneratorDiagnosticsTests.cs"));
            var descriptors = typeof(MatMulFree.Generator.ModelGenerator).Assembly.GetType("MatMulFree.Generator.DiagnosticDescriptors")!
                .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
                .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
                .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
                .ToList();
            Assert.Equal(29, descriptors.Count);
            // Headings "## MMF0001" (possibly a range "## MMF0002 - MMF0018" is described in one), each an anchor.
            var anchors = System.Text.RegularExpressions.Regex.Matches(documented, @"^## (MMF\d{4})\s*$", System.Text.RegularExpressions.RegexOptions.Multiline)
                .Select(m => m.Groups[1].Value.ToLowerInvariant()).ToHashSet();
            foreach (var d in descriptors)
            {
                Assert.Contains("## " + d.Id, documented);
                Assert.Contains("\"" + d.Id + "\"", tests);
                // The help link is the page that ships with the package, at the diagnostic's own heading.
                Assert.Equal("docs/diagnostics.md#" + d.Id.ToLowerInvariant(), d.HelpLinkUri);
                Assert.Contains(d.Id.ToLowerInvariant(), anchors);
            }
        }

        [Fact]
        public void A_class_in_the_global_namespace_with_any_accessibility_compiles()
        {
            string source = "using MatMulFree.Runtime;\n[MatMulFreeModel(\"models/micro.mmf.json\")]\ninternal sealed partial class GlobalModel { public int Extra => 1; }\n";
            var result = GeneratorHarness.Run(GeneratorHarness.Compilation(source), new[] { GeneratorHarness.Manifest(ManifestPath, Micro) });
            Assert.Empty(result.Diagnostics);
            var assembly = GeneratorHarness.Load(result.Output);
            var model = (MatMulFree.Runtime.IMatMulFreeModel)Activator.CreateInstance(assembly.GetType("GlobalModel")!)!;
            Assert.Equal("micro-l2-h16", model.Name);
        }

        [Fact]
        public void Per_layer_kernels_in_the_manifest_win_over_the_project_setting()
        {
            string manifest = EditManifest(r => r["kernels"] = new JsonObject { ["model.layers.0.mlp.down_proj"] = "unrolled", ["model.layers.0.attn.i_proj"] = "packed" }, redigest: true);
            var result = GeneratorHarness.Run(GeneratorHarness.Compilation(GeneratorHarness.ModelClass("M", ManifestPath)),
                new[] { GeneratorHarness.Manifest(ManifestPath, manifest) }, new Dictionary<string, string> { ["MatMulFreeKernel"] = "packed" });
            Assert.Empty(result.Diagnostics);
            string source = Assert.Single(result.Sources);
            Assert.Contains("private static void Layer0DownProjRows(", source);         // forced unrolled (the project says packed)
            Assert.Contains("d.Layer1DownProjProduct.Forward(", source);          // the project's packed
            Assert.Contains("d.Layer0IProjProduct.Forward(", source);             // forced packed
            Assert.Contains("set for this layer in the manifest", source);
            // Same numbers as the generic runtime.
            var model = (MatMulFree.Runtime.IMatMulFreeModel)Activator.CreateInstance(GeneratorHarness.Load(result.Output).GetType("Models.M")!)!;
            var generic = MatMulFree.Runtime.GenericModel.Load(TestData.Model("micro-l2-h16"));
            var (s1, s2) = (model.CreateState(), generic.CreateState());
            var (l1, l2) = (new float[259], new float[259]);
            foreach (int token in new[] { 1, 70, 80, 90 })
            {
                model.Step(token, s1, l1);
                generic.Step(token, s2, l2);
                Assert.Equal(l2, l1);
            }
        }

        [Theory]
        [InlineData("model.layers.7.attn.i_proj", "unrolled", "not a BitLinear")]
        [InlineData("lm_head", "sideways", "not auto, unrolled or packed")]
        public void Bad_per_layer_kernels_are_manifest_errors(string layer, string form, string message)
        {
            string manifest = EditManifest(r => r["kernels"] = new JsonObject { [layer] = form });
            var d = Single("MMF0007", Diagnose(GeneratorHarness.ModelClass("M", ManifestPath), manifest));
            Assert.Contains(message, d.GetMessage());
        }

        [Fact]
        public void A_clean_project_has_no_diagnostics_and_compiles()
        {
            var result = GeneratorHarness.Run(GeneratorHarness.Compilation(GeneratorHarness.ModelClass("M", "./models/micro.mmf.json")),
                new[] { GeneratorHarness.Manifest(ManifestPath, Micro) });
            Assert.Empty(result.Diagnostics);
            Assert.Empty(result.Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        }
    }
}
