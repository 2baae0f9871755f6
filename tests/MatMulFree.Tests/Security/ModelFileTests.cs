using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using MatMulFree.Cli;
using MatMulFree.Model.Manifest;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Files;
using Xunit;

namespace MatMulFree.Tests.Security
{
    /// <summary>
    /// Model files are opened under one policy (docs/security.md): a regular, non-empty file,
    /// sized from the opened file; symbolic links resolved, and the file they lead to inside
    /// the folder its reader allows (a manifest's folder for its weights file, a checkpoint's
    /// folder, or the Hugging Face cache's blobs of the same repository). Special files fail
    /// at once, never hang or read without end; text is strict UTF-8 in every reader;
    /// arguments that start with '@' are text; what is shown of a model file on a terminal
    /// holds no escape sequence and no line is unbounded.
    /// </summary>
    public sealed class ModelFileTests : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("mmf-files-").FullName;

        // Deletes links (one points at '/'), never what they point at.
        public void Dispose() => Directory.Delete(_dir, recursive: true);

        private static (int Code, string Out, string Err) Mmf(params string[] args) => MmfRunner.Run(args);

        /// <summary>Runs <paramref name="body"/> with a deadline: a hang is a failure, not a stuck test run.</summary>
        private static T Within<T>(Func<T> body, int seconds = 20)
        {
            var task = Task.Run(body);
            Assert.True(task.Wait(TimeSpan.FromSeconds(seconds)), $"still running after {seconds} s (a hang)");
            return task.Result;
        }

        private static void SetWeightsPath(string manifest, string path)
        {
            var root = JsonNode.Parse(File.ReadAllText(manifest))!.AsObject();
            root["weights"]!["path"] = path;
            File.WriteAllText(manifest, root.ToJsonString());
        }

        [Fact]
        public void Special_files_as_a_manifest_fail_at_once()
        {
            if (!OperatingSystem.IsLinux()) return;
            foreach (var path in new[] { "/dev/zero", "/dev/null", "/proc/self/status", MatMulFree.Fuzz.Fixtures.Fifo(Path.Combine(_dir, "m.fifo")), _dir })
            {
                var r = Within(() => Mmf("inspect", path));
                Assert.Equal(MmfCommand.InputError, r.Code);
                Assert.Matches("empty or not a regular file|is a folder", r.Err);
            }
        }

        [Fact]
        public void Special_files_as_a_weights_file_config_or_tokenizer_fail_at_once()
        {
            if (!OperatingSystem.IsLinux()) return;
            var (manifest, weights) = MatMulFree.Fuzz.Fixtures.External(Path.Combine(_dir, "w"));
            File.Delete(weights);
            MatMulFree.Fuzz.Fixtures.Fifo(Path.Combine(_dir, "w", "ext.mmfw.fifo"));
            File.Move(Path.Combine(_dir, "w", "ext.mmfw.fifo"), weights);
            var errors = Within(() => Assert.Throws<ManifestException>(() => GenericModel.Load(manifest)).Errors);
            Assert.Contains(errors, e => e.Kind == ManifestErrorKind.WeightsFile && e.Message.Contains("not a regular file"));
            File.Delete(weights);

            string hf = Path.Combine(_dir, "hf");
            Directory.CreateDirectory(hf);
            foreach (var file in Directory.GetFiles(Path.Combine(TestData.Root, "tests", "data", "hf", "tiny-f32")))
            {
                File.Copy(file, Path.Combine(hf, Path.GetFileName(file)));
            }
            foreach (var name in new[] { "tokenizer.json", "config.json", "model.safetensors" })
            {
                string saved = Path.Combine(_dir, name + ".saved");
                File.Move(Path.Combine(hf, name), saved);
                MatMulFree.Fuzz.Fixtures.Fifo(Path.Combine(_dir, "hf", name + ".fifo"));
                File.Move(Path.Combine(hf, name + ".fifo"), Path.Combine(hf, name));
                var r = Within(() => Mmf("convert", hf, "-o", Path.Combine(_dir, "out.mmf.json")));
                Assert.Equal(MmfCommand.InputError, r.Code);
                Assert.Contains("not a regular file", r.Err);
                File.Delete(Path.Combine(hf, name));
                File.Move(saved, Path.Combine(hf, name));
            }
        }

        [Fact]
        public void A_weights_path_through_a_link_out_of_the_folder_is_refused_and_nothing_of_the_target_is_told()
        {
            if (!OperatingSystem.IsLinux()) return;
            var (manifest, weights) = MatMulFree.Fuzz.Fixtures.External(Path.Combine(_dir, "m"));
            // The file is moved out of the folder and reached through a directory link to '/'.
            string outside = Path.Combine(_dir, "outside");
            Directory.CreateDirectory(outside);
            File.Move(weights, Path.Combine(outside, "ext.mmfw"));
            File.CreateSymbolicLink(Path.Combine(_dir, "m", "r"), "/");
            foreach (var path in new[] { "r" + Path.Combine(outside, "ext.mmfw"), "r/etc/hostname", "r/dev/zero" })
            {
                SetWeightsPath(manifest, path);
                var e = Assert.Throws<ManifestException>(() => GenericModel.Load(manifest));
                var error = Assert.Single(e.Errors);
                Assert.Equal(ManifestErrorKind.WeightsFile, error.Kind);
                Assert.Contains("outside", error.Message);
                Assert.DoesNotContain("sha256", error.Message);
                Assert.DoesNotContain("bytes", error.Message);
            }
            // A file link to /dev/zero beside the manifest is refused the same way.
            File.CreateSymbolicLink(Path.Combine(_dir, "m", "zero.mmfw"), "/dev/zero");
            SetWeightsPath(manifest, "zero.mmfw");
            Assert.Contains("outside", Assert.Single(Assert.Throws<ManifestException>(() => GenericModel.Load(manifest)).Errors).Message);
            // A link that stays inside the folder is a legitimate layout.
            Directory.CreateDirectory(Path.Combine(_dir, "m", "blobs"));
            File.Move(Path.Combine(outside, "ext.mmfw"), Path.Combine(_dir, "m", "blobs", "abc123"));
            File.CreateSymbolicLink(Path.Combine(_dir, "m", "linked.mmfw"), "blobs/abc123");
            SetWeightsPath(manifest, "linked.mmfw");
            Assert.Equal(ManifestLoader.Load(TestData.Model("tiny-l2-h64")).IntegrityDigest, GenericModel.Load(manifest).Definition.IntegrityDigest);
        }

        [Fact]
        public void A_hugging_face_cache_snapshot_converts_and_its_links_may_not_leave_the_repository()
        {
            if (!OperatingSystem.IsLinux()) return;
            // models--org--name/snapshots/REV/* are links to ../../blobs/HASH, as huggingface_hub lays them out.
            string repository = Path.Combine(_dir, "hub", "models--test--tiny");
            string snapshot = Path.Combine(repository, "snapshots", "0123abcd");
            Directory.CreateDirectory(snapshot);
            Directory.CreateDirectory(Path.Combine(repository, "blobs"));
            int k = 0;
            foreach (var file in Directory.GetFiles(Path.Combine(TestData.Root, "tests", "data", "hf", "tiny-bf16-sharded")))
            {
                string blob = Path.Combine(repository, "blobs", "blob" + k++);
                File.Copy(file, blob);
                File.CreateSymbolicLink(Path.Combine(snapshot, Path.GetFileName(file)), Path.Combine("..", "..", "blobs", Path.GetFileName(blob)));
            }
            string output = Path.Combine(_dir, "converted.mmf.json");
            var r = Mmf("convert", snapshot, "-o", output);
            Assert.True(r.Code == MmfCommand.Ok, r.Out + r.Err);
            // A file of the snapshot that links out of the repository is refused by name.
            string secret = Path.Combine(_dir, "secret.json");
            File.WriteAllText(secret, "{\"user\": \"not a config\"}");
            File.Delete(Path.Combine(snapshot, "config.json"));
            File.CreateSymbolicLink(Path.Combine(snapshot, "config.json"), secret);
            r = Mmf("convert", snapshot, "-o", output + ".2");
            Assert.Equal(MmfCommand.InputError, r.Code);
            Assert.Contains("outside", r.Err);
            Assert.DoesNotContain("not a config", r.Err);
        }

        [Fact]
        public void Manifests_must_be_utf8_in_every_reader()
        {
            string text = TestData.ModelText("micro-l2-h16");
            string utf16 = Path.Combine(_dir, "utf16.mmf.json");
            File.WriteAllText(utf16, text, new UnicodeEncoding(false, true));
            var r = Mmf("inspect", utf16);
            Assert.Equal(MmfCommand.InputError, r.Code);
            Assert.Contains("UTF-16", r.Err);
            string bom = Path.Combine(_dir, "bom.mmf.json");
            File.WriteAllText(bom, text, new UTF8Encoding(true));
            Assert.Equal(MmfCommand.Ok, Mmf("inspect", bom).Code);
            string invalid = Path.Combine(_dir, "invalid.mmf.json");
            File.WriteAllBytes(invalid, Encoding.UTF8.GetBytes(text).Concat(new byte[] { 0x20, 0xC3, 0x28 }).ToArray());
            r = Mmf("inspect", invalid);
            Assert.Equal(MmfCommand.InputError, r.Code);
            Assert.Contains("not valid UTF-8", r.Err);

            // A valid UTF-8 file holding U+FFFD itself is refused by every reader (next: why).
            string replacement = Path.Combine(_dir, "fffd.mmf.json");
            File.WriteAllText(replacement, text.Replace("\"name\": \"micro-l2-h16\"", "\"name\": \"micro\ufffd\""), new UTF8Encoding(false));
            r = Mmf("inspect", replacement);
            Assert.Equal(MmfCommand.InputError, r.Code);
            Assert.Contains("U+FFFD", r.Err);

            // The compiler reads an additional file as UTF-8 leniently: bytes that are not UTF-8 become
            // U+FFFD (as csc does; seen with a real build), and the generator refuses the manifest.
            var lenient = Microsoft.CodeAnalysis.Text.SourceText.From(File.ReadAllBytes(invalid), File.ReadAllBytes(invalid).Length, new UTF8Encoding(false, false));
            var lenientResult = Generator.GeneratorHarness.Run(Generator.GeneratorHarness.Compilation(Generator.GeneratorHarness.ModelClass("M", "models/m.mmf.json")),
                new[] { new Generator.SourceAdditionalText("/project/models/m.mmf.json", lenient) });
            Assert.Equal("MMF0002", Assert.Single(lenientResult.Diagnostics).Id);
            Assert.Contains("U+FFFD", Assert.Single(lenientResult.Diagnostics).GetMessage());

            // The generator sees the compiler's decoding: anything but UTF-8 is refused too.
            var manifest = new Generator.EncodedAdditionalText("/project/models/m.mmf.json", text, new UnicodeEncoding(false, true));
            var result = Generator.GeneratorHarness.Run(Generator.GeneratorHarness.Compilation(Generator.GeneratorHarness.ModelClass("M", "models/m.mmf.json")), new[] { manifest });
            var d = Assert.Single(result.Diagnostics);
            Assert.Equal("MMF0002", d.Id);
            Assert.Contains("not UTF-8", d.GetMessage());
        }

        [Fact]
        public void Arguments_that_start_with_an_at_sign_are_text_not_files_of_arguments()
        {
            string args = Path.Combine(_dir, "args.txt");
            File.WriteAllText(args, "--max-tokens\n99999\nsecret-line\n");
            var r = Mmf("generate", TestData.Model("micro-l2-h16"), "--prompt", "@" + args, "--max-tokens", "2", "--seed", "1");
            Assert.True(r.Code == MmfCommand.Ok, r.Err);
            r = Mmf("logits", TestData.Model("micro-l2-h16"), "--tokens", "@" + args, "--out", Path.Combine(_dir, "x.f32"));
            Assert.Equal(MmfCommand.UsageError, r.Code);
            Assert.Contains("@", r.Err);
            Assert.DoesNotContain("secret-line", r.Err);
        }

        [Fact]
        public void What_the_terminal_is_shown_of_a_model_file_holds_no_escape_sequence_and_no_line_is_unbounded()
        {
            var root = JsonNode.Parse(TestData.ModelText("micro-l2-h16"))!.AsObject();
            root["name"] = "red\u001b[31m\u009b2J\u202e\u2028name";
            root["integrity"]!["digest"] = IndependentDigest.Of(root);
            string path = Path.Combine(_dir, "esc.mmf.json");
            File.WriteAllText(path, root.ToJsonString());
            foreach (var r in new[] { Mmf("inspect", path), Mmf("generate", path, "--prompt", "x", "--max-tokens", "1") })
            {
                Assert.Equal(MmfCommand.Ok, r.Code);
                foreach (var text in new[] { r.Out, r.Err })
                {
                    Assert.DoesNotContain('\u001b', text);
                    Assert.DoesNotContain('\u009b', text);
                    Assert.DoesNotContain('\u202e', text);
                    Assert.DoesNotContain('\u2028', text);
                }
            }
            Assert.Contains("red\\u001b[31m", Mmf("inspect", path).Out);

            // A 2-million-character key: the error names it, shortened, on lines of bounded length.
            string key = "k\u001b" + new string('x', 2_000_000);
            root[key] = 1;
            File.WriteAllText(path, root.ToJsonString());
            var bad = Mmf("inspect", path);
            Assert.Equal(MmfCommand.InputError, bad.Code);
            Assert.Contains("unexpected property", bad.Err);
            Assert.All(bad.Err.Split('\n'), line => Assert.True(line.Length <= CliErrors.MaxLine + 10, $"a line of {line.Length} characters"));
            Assert.DoesNotContain('\u001b', bad.Err);
        }
    }
}
