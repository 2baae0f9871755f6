using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using MatMulFree.Model.Manifest;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Files;
using MatMulFree.Tests.Generator;
using Microsoft.CodeAnalysis;
using Xunit;

namespace MatMulFree.Tests.Security
{
    /// <summary>
    /// The integrity digest means what docs/manifest.md says: a change to anything that decides
    /// what the model computes or emits, with the digest left as it was, is refused as an
    /// integrity mismatch and nothing else; "metadata" and where the weights file is are not
    /// covered. The generator, which reads no weights file, leaves the digest to the generated
    /// code, which completes it when it loads the file. And the model loaded is the model
    /// verified: a weights file changed or cut short afterwards is refused, never used.
    /// </summary>
    public sealed class IntegrityTests : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("mmf-integrity-").FullName;

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        private static JsonObject Root(string model = "tiny-l2-h64") => JsonNode.Parse(TestData.ModelText(model))!.AsObject();

        public static IEnumerable<object[]> CoveredChanges() => new (string, Action<JsonObject>)[]
        {
            ("name", r => r["name"] = "tiny-l2-h64-renamed"),
            ("rms_norm_eps", r => r["architecture"]!["rms_norm_eps"] = 0.5),
            ("bos", r => r["architecture"]!["bos"] = 2),
            ("eos", r => r["architecture"]!["eos"] = 1),
            ("byte_offset", r =>
            {
                r["tokenizer"]!["byte_offset"] = 0;
                r["tokenizer"]!["special_tokens"] = new JsonObject { ["<unk>"] = 256, ["<s>"] = 257, ["</s>"] = 258 };
            }),
            ("special token text", r => r["tokenizer"]!["special_tokens"] = new JsonObject { ["<UNK>"] = 0, ["<s>"] = 1, ["</s>"] = 2 }),
            ("special token id", r => r["tokenizer"]!["special_tokens"] = new JsonObject { ["<unk>"] = 1, ["<s>"] = 0, ["</s>"] = 2 }),
            ("kernels", r => r["kernels"] = new JsonObject { ["lm_head"] = "packed" }),
            ("beta", r => r["tensors"]!["model.layers.0.attn.i_proj.weight"]!["beta"] = 0.25),
            ("float data", r => FlipFirstByte(r, "model.norm.weight")),
            ("ternary data", r => FlipFirstByte(r, "model.layers.1.mlp.down_proj.weight")),
            ("lower bounds", r => FlipFirstByte(r, "model.lower_bounds")),
        }.Select(c => new object[] { c.Item1, c.Item2 });

        private static void FlipFirstByte(JsonObject r, string tensor)
        {
            var t = r["tensors"]![tensor]!;
            var data = Convert.FromBase64String((string)t["data"]!);
            if ((string)t["dtype"]! == "trit2")
            {
                // The first weight becomes another valid trit (code 1 <-> 2, 0 -> 1).
                data[0] = (byte)(data[0] & ~3 | ((data[0] & 3) == 1 ? 2 : 1));
            }
            else
            {
                data[0] ^= 1; // a float's lowest mantissa bit
            }
            t["data"] = Convert.ToBase64String(data);
        }

        [Theory]
        [MemberData(nameof(CoveredChanges))]
        public void A_change_with_the_old_digest_is_an_integrity_mismatch_and_nothing_else(string field, Action<JsonObject> change)
        {
            var root = Root();
            change(root);
            var errors = ManifestReader.Read(root.ToJsonString()).Errors;
            var e = Assert.Single(errors);
            Assert.True(e.Kind == ManifestErrorKind.IntegrityMismatch, $"{field}: {e.Message}");
            // With the digest made again for what the manifest now says, it is accepted: the change itself was valid.
            root["integrity"]!["digest"] = IndependentDigest.Of(root);
            Assert.Empty(ManifestReader.Read(root.ToJsonString()).Errors);
        }

        [Fact]
        public void Bpe_pieces_merges_and_unk_are_covered()
        {
            foreach (var change in new Action<JsonObject>[]
            {
                r => r["tokenizer"]!["pieces"]!.AsArray()[250] = "zz",
                r => r["tokenizer"]!["merges"]!.AsArray().RemoveAt(4),
                r => r["tokenizer"]!["unk"] = 1,
            })
            {
                var root = JsonNode.Parse(BpeManifest.Text())!.AsObject();
                change(root);
                Assert.Equal(ManifestErrorKind.IntegrityMismatch, Assert.Single(ManifestReader.Read(root.ToJsonString()).Errors).Kind);
            }
        }

        [Fact]
        public void Metadata_is_not_covered_and_is_not_kept()
        {
            var root = Root();
            root["metadata"] = new JsonObject { ["trained_by"] = "anyone", ["numbers"] = new JsonArray(Enumerable.Range(0, 1000).Select(k => (JsonNode)k).ToArray()) };
            var result = ManifestReader.Read(root.ToJsonString());
            Assert.Empty(result.Errors);
            Assert.Equal(ManifestReader.Read(TestData.ModelText("tiny-l2-h64")).Model!.IntegrityDigest, result.Model!.IntegrityDigest);
        }

        [Fact]
        public void Where_the_weights_file_is_is_not_covered()
        {
            var (manifest, weights) = MatMulFree.Fuzz.Fixtures.External(_dir);
            string digest = ManifestLoader.Load(manifest).IntegrityDigest;
            File.Move(weights, Path.Combine(_dir, "moved.mmfw"));
            var root = JsonNode.Parse(File.ReadAllText(manifest))!.AsObject();
            root["weights"]!["path"] = "moved.mmfw";
            File.WriteAllText(manifest, root.ToJsonString());
            Assert.Equal(digest, ManifestLoader.Load(manifest).IntegrityDigest);
        }

        [Fact]
        public void Generated_code_completes_the_digest_when_it_loads_the_weights_file()
        {
            // The generator cannot check a manifest whose tensors are in a file it does not read: a
            // renamed model with the old digest compiles, and the first use of the model refuses it.
            var (manifest, weights) = MatMulFree.Fuzz.Fixtures.External(_dir);
            var root = JsonNode.Parse(File.ReadAllText(manifest))!.AsObject();
            root["architecture"]!["rms_norm_eps"] = 0.5;
            const string path = "models/ext.mmf.json";
            var result = GeneratorHarness.Run(GeneratorHarness.Compilation(GeneratorHarness.ModelClass("External", path)),
                new[] { GeneratorHarness.Manifest(path, root.ToJsonString()) });
            Assert.Empty(result.Diagnostics);
            var bytes = File.ReadAllBytes(weights);
            var assembly = GeneratorHarness.Load(result.Output, new[] { new ResourceDescription("ext.mmfw", () => new MemoryStream(bytes), isPublic: true) });
            var model = (IMatMulFreeModel)Activator.CreateInstance(assembly.GetType("Models.External")!)!;
            var e = Assert.ThrowsAny<Exception>(() => model.Step(1, model.CreateState(), new float[model.Architecture.Vocab]));
            Assert.Contains("integrity check failed", (e.InnerException ?? e).Message);
            // The runtime refuses it at once.
            File.WriteAllText(manifest, root.ToJsonString());
            Assert.Contains(Assert.Throws<ManifestException>(() => GenericModel.Load(manifest)).Errors, x => x.Kind == ManifestErrorKind.IntegrityMismatch);
        }

        [Fact]
        public void A_weights_file_changed_after_it_was_verified_is_refused_not_used()
        {
            var (manifest, weights) = MatMulFree.Fuzz.Fixtures.External(_dir);
            var definition = ManifestLoader.LoadDeferred(manifest, out var file);
            using ((IDisposable)file!)
            {
                // Between the scan and the reading of the tensors, one trit of the first layer changes.
                long at = definition.Blocks[0].Mlgru.Input.Weight.External!.Offset;
                using (var f = new FileStream(weights, FileMode.Open, FileAccess.ReadWrite))
                {
                    f.Position = at;
                    int b = f.ReadByte();
                    f.Position = at;
                    f.WriteByte((byte)(b ^ 1));
                }
                var e = Assert.Throws<InvalidDataException>(() => new GenericModel(definition, externalWeights: file));
                Assert.Contains("not what was verified", e.Message);
            }
        }

        [Fact]
        public void A_weights_file_cut_short_while_a_model_loads_is_an_error_not_a_crash()
        {
            var (manifest, weights) = MatMulFree.Fuzz.Fixtures.External(_dir);
            var definition = ManifestLoader.LoadDeferred(manifest, out var file);
            using ((IDisposable)file!)
            {
                using (var f = new FileStream(weights, FileMode.Open, FileAccess.Write))
                {
                    f.SetLength(f.Length / 3);
                }
                var e = Assert.ThrowsAny<IOException>(() => new GenericModel(definition, externalWeights: file));
                Assert.Contains("changed while being read", e.Message);
            }
            // And during the scan itself: the reader reports it at /weights.
            using (var f = new FileStream(weights, FileMode.Open, FileAccess.Write))
            {
                f.SetLength(0);
            }
            var errors = Assert.Throws<ManifestException>(() => ManifestLoader.LoadDeferred(manifest, out _)).Errors;
            Assert.Contains(errors, x => x.Kind == ManifestErrorKind.WeightsFile);
        }

        [Fact]
        public void Embeddings_changed_in_the_file_while_a_model_runs_are_refused_not_used()
        {
            var (manifest, weights) = MatMulFree.Fuzz.Fixtures.External(_dir);
            var model = GenericModel.Load(manifest);
            var logits = new float[model.Architecture.Vocab];
            var state = model.CreateState();
            model.Step(5, state, logits);
            long at = new ManifestFile(manifest).EmbeddingsOffset + 4L * 7 * model.Architecture.Hidden;
            using (var f = new FileStream(weights, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
            {
                f.Position = at;
                f.Write(BitConverter.GetBytes(1.5f));
            }
            model.Step(6, state, logits);
            var e = Assert.Throws<InvalidDataException>(() => model.Step(7, state, logits));
            Assert.Contains("token 7", e.Message);
        }

        /// <summary>Where a manifest's embeddings lie in its weights file.</summary>
        private sealed class ManifestFile
        {
            public ManifestFile(string path)
            {
                var t = JsonNode.Parse(File.ReadAllText(path))!["tensors"]!["model.embeddings.weight"]!;
                EmbeddingsOffset = (long)t["file"]!["offset"]!;
            }

            public long EmbeddingsOffset { get; }
        }
    }
}
