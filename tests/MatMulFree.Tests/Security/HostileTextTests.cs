using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using MatMulFree.Compiler.Emit;
using MatMulFree.Compiler.Hls;
using MatMulFree.Model.Manifest;
using MatMulFree.Model.Text;
using MatMulFree.Runtime;
using MatMulFree.Tests.Compiler.Hls;
using MatMulFree.Tests.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace MatMulFree.Tests.Security
{
    /// <summary>
    /// Text from a model file stays data in every output language (docs/security.md): a model
    /// name, a weights path, a manifest's file name, tokenizer pieces and special tokens made
    /// of every line terminator, quote, backslash, comment opener and closer, '#', NUL,
    /// control and bidi character. The generated C# and C compile, are pure printable ASCII,
    /// have the very same code (tokens, or preprocessed C) as for a plain name, and give the
    /// text back unchanged where it is data (a string literal read at run time).
    /// </summary>
    public sealed class HostileTextTests : IDisposable
    {
        /// <summary>Each piece that could end, open or bend a comment, a literal, a line or a directive. (Unpaired
        /// surrogates, which System.Text.Json cannot write into a test manifest, are in <see cref="EscapingTests"/>.)</summary>
        public static readonly string[] Pieces =
        {
            "\n", "\r", "\r\n", "\u0085", "\u2028", "\u2029", "\v", "\f",
            "\"", "'", "\\", "\\\n", "\\u000A", "*/", "/*", "//", "///", "<!--", "-->", "]]>", "</summary>", "<remarks>",
            "#", "#include <stdio.h>", "??/", "??=", "\0", "\u0001", "\u001b[31m", "\u007f", "\u009b",
            "\u202e", "\u2066", "\u200b", "\ufeff", "${x}", "`", "$(touch A)", "{", "}", "&amp;", "<", ">", "%s%n",
        };

        /// <summary>A name that would compile into the user's assembly if a line terminator ended the comment it is in.</summary>
        public const string Injection =
            "x\n[System.Runtime.CompilerServices.ModuleInitializer] internal static void Evil() => throw null!; //\u2028"
            + "*/ int injected(void) { return 1; } /*\u2029\" + Evil() + \"";

        public static IEnumerable<string> Names => Pieces.Select(p => "a" + p + "b").Append(string.Concat(Pieces)).Append(Injection);

        private readonly string _dir = Directory.CreateTempSubdirectory("mmf-hostile-").FullName;

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        private static string Micro(Action<JsonObject> change)
        {
            var root = JsonNode.Parse(TestData.ModelText("micro-l2-h16"))!.AsObject();
            change(root);
            root["integrity"]!["digest"] = IndependentDigest.Of(root);
            return root.ToJsonString();
        }

        private static GeneratorHarness.Result Generate(string manifest, string path = "models/m.mmf.json")
        {
            string user = $"using MatMulFree.Runtime;\nnamespace Models;\n\n[MatMulFreeModel({CSharpText.Literal(path)})]\npublic partial class M;\n";
            var result = GeneratorHarness.Run(GeneratorHarness.Compilation(user), new[] { GeneratorHarness.Manifest(path, manifest) });
            Assert.Empty(result.Diagnostics);
            return result;
        }

        /// <summary>The generated file's tokens, with string literals' contents left out: its code, not its data.</summary>
        private static List<string> Code(string source)
        {
            var tree = CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions);
            Assert.Empty(tree.GetDiagnostics());
            return tree.GetRoot().DescendantTokens()
                .Select(t => t.IsKind(SyntaxKind.StringLiteralToken) ? "\"\"" : t.Text)
                .ToList();
        }

        private static void AssertPrintableAscii(string text, string what)
        {
            int bad = text.ToCharArray().ToList().FindIndex(c => c != '\n' && (c < 0x20 || c > 0x7e));
            Assert.True(bad < 0, $"{what}: character U+{(bad < 0 ? 0 : text[bad]):X4} at {bad}");
        }

        [Fact]
        public void A_hostile_model_name_is_only_data_in_generated_csharp()
        {
            var plain = Code(Assert.Single(Generate(Micro(r => r["name"] = "plain")).Sources));
            foreach (var name in Names)
            {
                string source = Assert.Single(Generate(Micro(r => r["name"] = name)).Sources);
                AssertPrintableAscii(source, name);
                Assert.Equal(plain, Code(source));
            }
            // Compiled and run, the name comes back as it was: it was a string literal, nothing else.
            foreach (var name in new[] { Injection, string.Concat(Pieces) })
            {
                var result = Generate(Micro(r => r["name"] = name));
                var model = (IMatMulFreeModel)Activator.CreateInstance(GeneratorHarness.Load(result.Output).GetType("Models.M")!)!;
                Assert.Equal(name, model.Name);
            }
        }

        [Fact]
        public void Hostile_special_tokens_and_pieces_are_only_data_in_generated_csharp()
        {
            // Byte tokenizer: the special token texts. BPE: pieces of unused ids and a special token.
            var hostile = Names.Take(12).ToList();
            string byteManifest = Micro(r =>
            {
                var specials = new JsonObject();
                specials[Injection] = 0;
                specials["<s>"] = 1;
                specials["</s>"] = 2;
                r["tokenizer"]!["special_tokens"] = specials;
            });
            var result = Generate(byteManifest);
            AssertPrintableAscii(Assert.Single(result.Sources), "byte tokenizer");
            var model = (IMatMulFreeModel)Activator.CreateInstance(GeneratorHarness.Load(result.Output).GetType("Models.M")!)!;
            Assert.Contains(model.Tokenizer.SpecialTokens, s => s.Text == Injection && s.Id == 0);

            string bpe = BpeManifest.Text(r =>
            {
                var pieces = r["tokenizer"]!["pieces"]!.AsArray();
                for (int k = 0; k < hostile.Count; k++)
                {
                    pieces[240 + k] = hostile[k];
                }
            });
            result = Generate(bpe);
            AssertPrintableAscii(Assert.Single(result.Sources), "bpe tokenizer");
            model = (IMatMulFreeModel)Activator.CreateInstance(GeneratorHarness.Load(result.Output).GetType("Models.M")!)!;
            for (int k = 0; k < hostile.Count; k++)
            {
                Assert.Equal(hostile[k], model.Tokenizer.Pieces[240 + k]);
            }
        }

        [Fact]
        public void A_hostile_key_cannot_forge_a_line_of_build_output()
        {
            // A key that would print "/etc/passwd(1,1): error CS9999: ..." as a line of its own in dotnet build.
            string key = "x\n/etc/passwd(1,1): error CS9999: forged diagnostic\u2028\u001b]0;title\u0007" + new string('k', 100_000);
            string manifest = TestData.ModelText("micro-l2-h16");
            manifest = manifest.Insert(manifest.IndexOf('{') + 1, JsonText.Quote(key) + ": 1,");
            const string path = "models/m.mmf.json";
            var result = GeneratorHarness.Run(GeneratorHarness.Compilation(GeneratorHarness.ModelClass("M", path)), new[] { GeneratorHarness.Manifest(path, manifest) });
            var d = Assert.Single(result.Diagnostics);
            Assert.Equal("MMF0005", d.Id);
            string message = d.GetMessage();
            Assert.True(DisplayText.IsInert(message), message);
            Assert.True(message.Length < 2000, $"{message.Length} characters");
            Assert.Contains("\\u000a/etc/passwd(1,1)", message);
        }

        [Fact]
        public void A_hostile_manifest_file_name_is_only_data_in_generated_csharp()
        {
            string manifest = TestData.ModelText("micro-l2-h16");
            var plain = Code(Assert.Single(Generate(manifest, "models/plain.mmf.json").Sources));
            foreach (var piece in new[] { "\u2028", "\n", "*/", "\"", "\u202e", "\u0085" })
            {
                string source = Assert.Single(Generate(manifest, "models/x" + piece + "y.mmf.json").Sources);
                AssertPrintableAscii(source, piece);
                Assert.Equal(plain, Code(source));
            }
        }

        [Fact]
        public void A_weights_path_with_what_a_file_name_may_hold_is_only_data_and_loads()
        {
            // Paths are checked (no control, separator or bidi character, no '..', no '\'): what
            // remains may still be quotes, comment markers, '$', '#', braces, non-ASCII letters.
            string weights = "w \"q\" */ /* $x #1 {a} <b> & \u00e9\U0001F600.mmfw";
            var model = ManifestLoader.Load(TestData.Model("tiny-l2-h64"));
            byte[] bytes;
            string text;
            using (var stream = new MemoryStream())
            {
                using (var writer = new WeightsFileWriter(weights, stream, inlineLimitBytes: 0))
                {
                    text = ManifestWriter.Write(model, writer);
                }
                bytes = stream.ToArray();
            }
            var result = Generate(text);
            string source = Assert.Single(result.Sources);
            AssertPrintableAscii(source, weights);
            var assembly = GeneratorHarness.Load(result.Output, new[] { new ResourceDescription(weights, () => new MemoryStream(bytes), isPublic: true) });
            var generated = (IMatMulFreeModel)Activator.CreateInstance(assembly.GetType("Models.M")!)!;
            GoldenLogits.AssertBitIdentical(new GenericModel(model), generated, GoldenLogits.Load("tiny-l2-h64").Tokens.Take(4).ToArray());

            foreach (var refused in new[] { "a\u2028b.mmfw", "a\u202eb.mmfw", "a\u0085b.mmfw", "a\nb.mmfw", "../a.mmfw", "a\\b.mmfw", "a\u200bb.mmfw" })
            {
                var root = JsonNode.Parse(text)!.AsObject();
                root["weights"]!["path"] = refused;
                var errors = ManifestReader.Read(root.ToJsonString(), DeferWeightsFile.Instance).Errors;
                Assert.Contains(errors, e => e.Kind == ManifestErrorKind.WeightsFile && e.JsonPointer == "/weights/path");
            }
        }

        [Fact]
        public void A_hostile_model_name_is_only_comment_text_in_the_hls_c()
        {
            // With the top function named by the option, the C must be the same, comments aside
            // (gcc -E), whatever the name: it compiles under -Werror and its testbench passes.
            string Preprocessed(string name, string dir)
            {
                var definition = ManifestLoader.Parse(Micro(r => r["name"] = name), TestData.Model("micro-l2-h16"));
                var project = HlsProject.Create(definition, new HlsOptions { Top = "model_top" }, Vectors(definition));
                foreach (var file in project.Files)
                {
                    if (file.Key.EndsWith(".c", StringComparison.Ordinal) || file.Key.EndsWith(".h", StringComparison.Ordinal))
                    {
                        AssertPrintableAscii(file.Value, file.Key);
                    }
                }
                HlsHarness.Write(project, dir);
                var (code, output) = HlsHarness.BuildAndRun(dir, "model_top");
                Assert.True(code == 0, output);
                var e = HlsHarness.Run("gcc", "-std=c99 -E -P -Ifirmware firmware/model_top.c", dir);
                Assert.True(e.Code == 0, e.Output);
                return e.Output;
            }
            string plain = Preprocessed("plain", Path.Combine(_dir, "plain"));
            int k = 0;
            foreach (var name in new[] { Injection, string.Concat(Pieces), "a*/b", "a??/\nb" })
            {
                Assert.Equal(plain, Preprocessed(name, Path.Combine(_dir, "h" + k++)));
            }
        }

        [Fact]
        public void Top_names_made_from_hostile_or_reserved_model_names_are_usable_c()
        {
            foreach (var name in new[] { "int", "main", "parameters", "Parameters", "block0", "mmf_x", "weights_norms", "2x", "", "__x", Injection, "\u00e9t\u00e9",
                "printf", "memcpy", "size_t", "uint8_t", "INT32_MAX", "step", "expected", "mismatches", "_X" })
            {
                string top = HlsNames.Top(name);
                Assert.Null(HlsNames.TopProblem(top));
                Assert.EndsWith("_step", top);
                Assert.False(top.StartsWith("_", StringComparison.Ordinal), top);
            }
            Assert.Equal("model_step", HlsNames.Top(""));
            Assert.Equal("model_step", HlsNames.Top("---"));
            Assert.Equal("model_step", HlsNames.Top("\u65e5\u672c"));
            Assert.Equal("sample_l4_h128_step", HlsNames.Top("sample-l4-h128"));
            Assert.Equal("model_mmf_x_step", HlsNames.Top("mmf_x"));
            // Built and run: names of the C library, its macros, the testbench's own variables and the entry point.
            foreach (var name in new[] { "main", "printf", "INT32_MAX", "uint8_t", "mismatches", "2x" })
            {
                var definition = ManifestLoader.Parse(Micro(r => r["name"] = name), TestData.Model("micro-l2-h16"));
                var project = HlsProject.Create(definition, new HlsOptions(), Vectors(definition));
                Assert.EndsWith("_step", project.Plan.Top);
                string dir = HlsHarness.Write(project, Path.Combine(_dir, "top-" + name));
                var (code, output) = HlsHarness.BuildAndRun(dir, project.Plan.Top);
                Assert.True(code == 0, output);
            }
        }

        private static HlsTestVectors Vectors(MatMulFree.Model.ModelDefinition definition)
        {
            var model = new GenericModel(definition);
            var tokens = new[] { 1, 40, 77 };
            var logits = new float[tokens.Length * model.Architecture.Vocab];
            var state = model.CreateState();
            for (int t = 0; t < tokens.Length; t++)
            {
                model.Step(tokens[t], state, logits.AsSpan(t * model.Architecture.Vocab, model.Architecture.Vocab));
            }
            return new HlsTestVectors(tokens, logits);
        }
    }
}
