using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using MatMulFree.Cli;
using MatMulFree.Model.Manifest;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Tokenization;
using Xunit;
using Xunit.Abstractions;

namespace MatMulFree.Tests.Conversion
{
    /// <summary>
    /// <c>mmf convert</c> on Hugging Face checkpoint folders written by the PyTorch
    /// reference (tests/data/hf, tools/reference/reference.py hf-checkpoint): F32 in
    /// one file, BF16 in three shards with an index, F16. The converted model must
    /// reproduce the reference's golden logits (computed from the stored values,
    /// ternarized once by PyTorch) within docs/numerics.md's tolerance, inline and
    /// with an external weights file; damaged folders and weights files are refused
    /// with a message naming the file and the problem.
    /// </summary>
    public sealed class CheckpointConversionTests : IDisposable
    {
        public static readonly string[] Checkpoints = { "tiny-f32", "tiny-bf16-sharded", "micro-f16" };
        private readonly string _dir = Directory.CreateTempSubdirectory("mmf-convert-").FullName;
        private readonly ITestOutputHelper _out;

        public CheckpointConversionTests(ITestOutputHelper output) => _out = output;

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        private static string Folder(string name) => Path.Combine(TestData.Root, "tests", "data", "hf", name);

        private static (int Code, string Out, string Err) Mmf(params string[] args) => MmfRunner.Run(args);

        private string Convert(string folder, string weights = "auto")
        {
            string output = Path.Combine(_dir, Path.GetFileName(folder) + "-" + weights + ".mmf.json");
            var (code, stdout, stderr) = Mmf("convert", folder, "-o", output, "--weights", weights);
            Assert.True(code == MmfCommand.Ok, stdout + stderr);
            return output;
        }

        [Theory]
        [InlineData("tiny-f32", "inline")]
        [InlineData("tiny-f32", "external")]
        [InlineData("tiny-bf16-sharded", "inline")]
        [InlineData("tiny-bf16-sharded", "external")]
        [InlineData("micro-f16", "auto")]
        public void Converted_checkpoints_reproduce_the_pytorch_logits(string name, string weights)
        {
            string manifest = Convert(Folder(name), weights);
            Assert.Equal(weights == "external", File.Exists(Path.ChangeExtension(Path.ChangeExtension(manifest, null), ".mmfw")));
            var golden = GoldenLogits.Load("hf-" + name);
            string agreement = golden.AssertAgreement(GenericModel.Load(manifest));
            _out.WriteLine($"{name} ({weights}): {agreement}");
        }

        [Fact]
        public void External_weights_with_every_tensor_small_write_no_empty_weights_file()
        {
            // micro's tensors are all within the 64 KiB inline limit: nothing would go to the file.
            string output = Path.Combine(_dir, "micro.mmf.json");
            var (code, stdout, stderr) = Mmf("convert", Folder("micro-f16"), "-o", output, "--weights", "external");
            Assert.True(code == MmfCommand.Ok, stdout + stderr);
            Assert.False(File.Exists(Path.Combine(_dir, "micro.mmfw")));
            Assert.Contains("no weights file written", stdout);
            Assert.DoesNotContain("\"weights\"", File.ReadAllText(output));
            Assert.Empty(Directory.GetFiles(_dir, "*.tmp*"));
            var golden = GoldenLogits.Load("hf-micro-f16");
            golden.AssertAgreement(GenericModel.Load(output));
        }

        [Fact]
        public void Convert_and_inspect_count_the_same_tokenizer_pieces()
        {
            string manifest = Convert(Folder("tiny-bf16-sharded"), "inline");
            var converted = Mmf("convert", Folder("tiny-bf16-sharded"), "-o", Path.Combine(_dir, "again.mmf.json"), "--weights", "inline");
            var inspected = Mmf("inspect", manifest);
            var pieces = System.Text.RegularExpressions.Regex.Match(converted.Out, @"\(([0-9,]+) pieces");
            Assert.True(pieces.Success, converted.Out);
            Assert.Contains(pieces.Groups[1].Value + " pieces", inspected.Out);
        }

        [Fact]
        public void Mmf_logits_of_a_converted_checkpoint_match_the_golden_file()
        {
            string manifest = Convert(Folder("tiny-bf16-sharded"), "external");
            var golden = GoldenLogits.Load("hf-tiny-bf16-sharded");
            string logits = Path.Combine(_dir, "logits.bin");
            var (code, _, err) = Mmf("logits", manifest, "--tokens", string.Join(",", golden.Tokens), "--out", logits);
            Assert.True(code == MmfCommand.Ok, err);
            var values = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(logits)).ToArray();
            Assert.Equal(golden.Logits.Length, values.Length);
            for (int t = 0; t < golden.Tokens.Length; t++)
            {
                var expected = golden.Step(t).ToArray();
                double range = expected.Max() - expected.Min();
                double diff = expected.Select((e, v) => Math.Abs(e - values[t * golden.Vocab + v])).Max();
                Assert.True(diff <= GoldenLogits.RelativeTolerance * range + golden.TieAllowance[t], $"step {t}: {diff} of range {range}");
            }
        }

        [Fact]
        public void Inline_and_external_layouts_are_the_same_model()
        {
            var inline = ManifestLoader.Load(Convert(Folder("tiny-f32"), "inline"));
            var external = ManifestLoader.Load(Convert(Folder("tiny-f32"), "external"));
            Assert.Equal(inline.IntegrityDigest, external.IntegrityDigest);
            GoldenLogits.AssertBitIdentical(GenericModel.Load(Convert(Folder("tiny-f32"), "inline")),
                GenericModel.Load(Convert(Folder("tiny-f32"), "external")), new[] { 1, 40, 7, 299, 3 });
        }

        [Fact]
        public void The_tokenizer_json_is_copied_into_the_manifest()
        {
            var model = ManifestLoader.Load(Convert(Folder("tiny-f32")));
            Assert.Equal("bpe", model.Tokenizer.Kind);
            var tokenizer = TokenizerFactory.Create(model.Tokenizer, model.Architecture);
            var pieces = model.Tokenizer.Pieces;
            // "the said" -> "▁the▁said": both words are single pieces of the fixture's merges.
            var ids = tokenizer.Encode("the said", addBos: true);
            Assert.Equal(new[] { "<s>", "\u2581the", "\u2581said" }, ids.Select(i => pieces[i]).ToArray());
            // A character without a merged piece falls back to its UTF-8 bytes.
            Assert.Equal(new[] { "\u2581", "<0xC3>", "<0xA9>" }, tokenizer.Encode("é", addBos: false).Select(i => pieces[i]).ToArray());
        }

        private string CopyOf(string name)
        {
            string copy = Path.Combine(_dir, "copy-" + name);
            Directory.CreateDirectory(copy);
            foreach (var f in Directory.GetFiles(Folder(name)))
            {
                File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
            }
            return copy;
        }

        private void AssertRefused(string folder, params string[] expected)
        {
            var (code, _, err) = Mmf("convert", folder, "-o", Path.Combine(_dir, "refused.mmf.json"));
            Assert.True(code == MmfCommand.InputError, $"exit {code}: {err}");
            foreach (var e in expected)
            {
                Assert.Contains(e, err);
            }
            Assert.DoesNotContain("   at ", err); // a message, not a stack trace
        }

        private static void EditJson(string path, Action<JsonObject> change)
        {
            var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            change(root);
            File.WriteAllText(path, root.ToJsonString());
        }

        [Theory]
        [InlineData("num_heads", 4, "\"num_heads\" is 4")]
        [InlineData("use_short_conv", true, "\"use_short_conv\" is true")]
        [InlineData("tie_word_embeddings", true, "\"tie_word_embeddings\" is true")]
        [InlineData("hidden_size", 32, "config.json implies")]
        [InlineData("num_hidden_layers", 3, "config.json implies [3, 64]")]
        [InlineData("num_hidden_layers", 1, "config.json implies [1, 64]")]
        [InlineData("vocab_size", 0, "\"vocab_size\" must be an integer")]
        [InlineData("bos_token_id", 5, "bos_token_id 5")]
        public void Configs_this_compiler_does_not_build_are_refused(string field, object value, string message)
        {
            string folder = CopyOf("tiny-f32");
            EditJson(Path.Combine(folder, "config.json"), r => r[field] = JsonValue.Create(value));
            AssertRefused(folder, message);
        }

        [Fact]
        public void A_damaged_shard_index_is_refused()
        {
            string folder = CopyOf("tiny-bf16-sharded");
            string index = Path.Combine(folder, "model.safetensors.index.json");
            string original = File.ReadAllText(index);
            EditJson(index, r => r["weight_map"]!["lm_head.weight"] = "../model-00003-of-00003.safetensors");
            AssertRefused(folder, "model.safetensors.index.json(", "must be a file name in the model folder");

            File.WriteAllText(index, original);
            EditJson(index, r => r["weight_map"]!["lm_head.weight"] = "model-00001-of-00003.safetensors");
            AssertRefused(folder, "does not hold it");

            File.WriteAllText(index, original);
            File.Delete(Path.Combine(folder, "model-00002-of-00003.safetensors"));
            AssertRefused(folder, "model-00002-of-00003.safetensors", "is not in");
        }

        [Fact]
        public void Damaged_safetensors_and_tokenizers_are_refused()
        {
            string folder = CopyOf("micro-f16");
            string weights = Path.Combine(folder, "model.safetensors");
            var bytes = File.ReadAllBytes(weights);
            File.WriteAllBytes(weights, bytes.AsSpan(0, bytes.Length - 10).ToArray());
            AssertRefused(folder, "model.safetensors", "outside the");

            File.WriteAllBytes(weights, bytes);
            File.Delete(Path.Combine(folder, "tokenizer.json"));
            AssertRefused(folder, "no tokenizer.json");

            File.WriteAllText(Path.Combine(folder, "tokenizer.json"), "{\"model\": {\"type\": \"Unigram\"}}");
            AssertRefused(folder, "tokenizer.json", "Unigram");

            File.Move(weights, Path.Combine(folder, "pytorch_model.bin"));
            AssertRefused(folder, "neither model.safetensors", "pytorch_model.bin is a Python pickle");

            File.Delete(Path.Combine(folder, "config.json"));
            AssertRefused(folder, "config.json: not found");
        }

        [Fact]
        public void A_non_finite_weight_is_refused()
        {
            string folder = CopyOf("tiny-f32");
            string weights = Path.Combine(folder, "model.safetensors");
            var bytes = File.ReadAllBytes(weights);
            long headerLength = BitConverter.ToInt64(bytes, 0);
            var header = JsonNode.Parse(bytes.AsSpan(8, (int)headerLength))!;
            long begin = (long)header["model.norm.weight"]!["data_offsets"]![0]!;
            BitConverter.GetBytes(float.NaN).CopyTo(bytes, 8 + headerLength + begin + 4 * 5);
            File.WriteAllBytes(weights, bytes);
            AssertRefused(folder, "model.norm.weight", "element 5", "must be finite");
        }

        // ---- the external weights file, as the runtime loads it ----

        private (string Manifest, string Weights) External()
        {
            string manifest = Convert(Folder("tiny-bf16-sharded"), "external");
            return (manifest, Path.ChangeExtension(Path.ChangeExtension(manifest, null), ".mmfw"));
        }

        private static ManifestError LoadError(string manifest)
        {
            var e = Assert.Throws<ManifestException>(() => ManifestLoader.Load(manifest));
            return e.Errors[0];
        }

        [Fact]
        public void An_altered_or_truncated_weights_file_is_refused()
        {
            var (manifest, weights) = External();
            var bytes = File.ReadAllBytes(weights);
            bytes[bytes.Length / 2] ^= 0x10;
            File.WriteAllBytes(weights, bytes);
            var e = LoadError(manifest);
            Assert.Equal(ManifestErrorKind.WeightsFile, e.Kind);
            Assert.Contains("sha256", e.Message);
            Assert.Equal("/weights/sha256", e.JsonPointer);

            File.WriteAllBytes(weights, bytes.AsSpan(0, bytes.Length - 1).ToArray());
            e = LoadError(manifest);
            Assert.Contains("truncated", e.Message);

            File.Delete(weights);
            e = LoadError(manifest);
            Assert.Contains("not found", e.Message);
        }

        [Theory]
        [InlineData("../outside.mmfw")]
        [InlineData("/etc/passwd")]
        [InlineData("sub\\\\x.mmfw")]
        [InlineData("C:/x.mmfw")]
        [InlineData("a//b.mmfw")]
        public void Weights_paths_that_leave_the_manifest_folder_are_refused(string path)
        {
            var (manifest, _) = External();
            EditJson(manifest, r => r["weights"]!["path"] = path);
            var e = LoadError(manifest);
            Assert.Equal(ManifestErrorKind.WeightsFile, e.Kind);
            Assert.Equal("/weights/path", e.JsonPointer);
        }

        [Fact]
        public void Tensor_ranges_are_checked_against_the_weights_file()
        {
            var (manifest, _) = External();
            string text = File.ReadAllText(manifest);
            EditJson(manifest, r => r["tensors"]!["model.embeddings.weight"]!["file"]!["offset"] = 32);
            var e = LoadError(manifest);
            Assert.Contains("multiple of 64", e.Message);

            File.WriteAllText(manifest, text);
            EditJson(manifest, r => r["tensors"]!["model.embeddings.weight"]!["file"]!["offset"] = 1L << 30);
            e = LoadError(manifest);
            Assert.Contains("outside the", e.Message);

            File.WriteAllText(manifest, text);
            EditJson(manifest, r => r["tensors"]!["model.embeddings.weight"]!["file"]!["length"] = 12);
            e = LoadError(manifest);
            Assert.Equal(ManifestErrorKind.WrongDataLength, e.Kind);

            File.WriteAllText(manifest, text);
            EditJson(manifest, r => r.Remove("weights"));
            e = LoadError(manifest);
            Assert.Contains("no \"weights\" object", e.Message);
        }
    }
}
