using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MatMulFree.Model.Manifest;
using Xunit;

namespace MatMulFree.Tests.Model
{
    /// <summary>
    /// Each validation rule of docs/manifest.md, on a committed manifest with one
    /// thing broken: the error must say what, where (JSON Pointer) and be the only
    /// kind reported.
    /// </summary>
    public sealed class ManifestValidationTests
    {
        private const string Model = "tiny-l2-h64";
        private const string IProj = "model.layers.0.attn.i_proj.weight";

        private static string Text => TestData.ModelText(Model);

        private static ManifestError Single(string text)
        {
            var result = ManifestReader.Read(text);
            Assert.False(result.Succeeded);
            Assert.Null(result.Model);
            var error = Assert.Single(result.Errors);
            Assert.InRange(error.Span.Start, 0, text.Length);
            return error;
        }

        private static string Edit(Action<JsonObject> change)
        {
            var root = JsonNode.Parse(Text)!.AsObject();
            change(root);
            return root.ToJsonString();
        }

        private static JsonObject Tensor(JsonObject root, string name) => root["tensors"]![name]!.AsObject();

        private static byte[] Data(JsonObject root, string name) => Convert.FromBase64String((string)Tensor(root, name)["data"]!);

        private static void SetData(JsonObject root, string name, byte[] data) => Tensor(root, name)["data"] = Convert.ToBase64String(data);

        [Fact]
        public void The_committed_manifest_is_valid()
        {
            var result = ManifestReader.Read(Text);
            Assert.Empty(result.Errors);
            Assert.Equal(2, result.Model!.Architecture.Layers);
            Assert.Equal(64, result.Model.Architecture.Hidden);
            Assert.Equal(1e-6f, result.Model.Architecture.RmsNormEps);
        }

        [Fact]
        public void Unknown_version()
        {
            var e = Single(Edit(r => r["version"] = 2));
            Assert.Equal(ManifestErrorKind.UnsupportedFormat, e.Kind);
            Assert.Equal("/version", e.JsonPointer);
            Assert.Contains("version 2", e.Message);
        }

        [Fact]
        public void Not_a_manifest()
        {
            var e = Single(Edit(r => r["format"] = "onnx"));
            Assert.Equal(ManifestErrorKind.UnsupportedFormat, e.Kind);
            Assert.Equal("/format", e.JsonPointer);
        }

        [Fact]
        public void Missing_tensor()
        {
            var e = Single(Edit(r => r["tensors"]!.AsObject().Remove("model.layers.1.mlp.down_proj.weight")));
            Assert.Equal(ManifestErrorKind.MissingTensor, e.Kind);
            Assert.Contains("\"model.layers.1.mlp.down_proj.weight\" [64, 256]", e.Message);
        }

        [Fact]
        public void Extra_tensor()
        {
            var e = Single(Edit(r => r["tensors"]!["model.layers.2.attn_norm.weight"] = Tensor(r, "model.norm.weight").DeepClone()));
            Assert.Equal(ManifestErrorKind.UnexpectedTensor, e.Kind);
            Assert.Equal("/tensors/model.layers.2.attn_norm.weight", e.JsonPointer);
        }

        [Fact]
        public void Wrong_shape()
        {
            var e = Single(Edit(r => Tensor(r, IProj)["shape"] = new JsonArray(64, 32)));
            Assert.Equal(ManifestErrorKind.WrongShape, e.Kind);
            Assert.Equal($"/tensors/{IProj}/shape", e.JsonPointer);
            Assert.Contains("[64, 32]", e.Message);
            Assert.Contains("requires [64, 64]", e.Message);
        }

        [Fact]
        public void Bad_base64_is_located_at_the_character()
        {
            string text = Text;
            int data = text.IndexOf("\"data\": \"", StringComparison.Ordinal) + "\"data\": \"".Length;
            string broken = text.Substring(0, data + 10) + "!" + text.Substring(data + 11);
            var e = Single(broken);
            Assert.Equal(ManifestErrorKind.InvalidBase64, e.Kind);
            Assert.Contains("character 10", e.Message);
            Assert.Equal(data + 10, e.Span.Start);
            int line = text.Take(data).Count(c => c == '\n') + 1;
            Assert.Equal(line, e.Span.Line);
        }

        [Fact]
        public void Trit_code_three()
        {
            var e = Single(Edit(r =>
            {
                var d = Data(r, IProj);
                d[1] |= 0b0011_0000; // element 6 -> code 3
                SetData(r, IProj, d);
            }));
            Assert.Equal(ManifestErrorKind.InvalidTrit, e.Kind);
            Assert.Contains("element [0, 6]", e.Message);
        }

        [Theory]
        [InlineData("-0.5")]
        [InlineData("0")]
        [InlineData("1e39")]
        public void Bad_beta(string beta)
        {
            var e = Single(Edit(r => Tensor(r, IProj)["beta"] = JsonNode.Parse(beta)));
            Assert.Equal(ManifestErrorKind.InvalidScale, e.Kind);
            Assert.Equal($"/tensors/{IProj}/beta", e.JsonPointer);
        }

        [Fact]
        public void Non_finite_float()
        {
            var e = Single(Edit(r =>
            {
                var d = Data(r, "model.embeddings.weight");
                BitConverter.GetBytes(float.NaN).CopyTo(d, 4 * 65); // [1, 1]
                SetData(r, "model.embeddings.weight", d);
            }));
            Assert.Equal(ManifestErrorKind.NonFiniteValue, e.Kind);
            Assert.Contains("element [1, 1]", e.Message);
        }

        [Fact]
        public void Data_length_does_not_match_the_shape()
        {
            var e = Single(Edit(r => Tensor(r, IProj)["data"] = ((string)Tensor(r, IProj)["data"]!).Substring(4)));
            Assert.Equal(ManifestErrorKind.WrongDataLength, e.Kind);
            Assert.Contains("need 1,024 bytes", e.Message);
        }

        [Fact]
        public void Absurd_sizes_are_refused_before_anything_is_allocated()
        {
            var e = Single(Edit(r => r["architecture"]!["hidden"] = 1_000_000_000));
            Assert.Equal(ManifestErrorKind.TooLarge, e.Kind);
            Assert.Equal("/architecture/hidden", e.JsonPointer);

            var e2 = Single(Edit(r =>
            {
                r["architecture"]!["hidden"] = 65536;
                r["architecture"]!["vocab"] = 1 << 20;
            }));
            Assert.Equal(ManifestErrorKind.TooLarge, e2.Kind);
            Assert.Contains("model.embeddings.weight", e2.Message);

            var e3 = Single(Edit(r => r["architecture"]!["layers"] = JsonNode.Parse("99999999999999999999999")));
            Assert.Equal(ManifestErrorKind.InvalidValue, e3.Kind);
        }

        [Fact]
        public void A_claimed_size_without_data_fails_on_length_not_on_memory()
        {
            // Valid architecture of a 1.3B-sized lm_head, but the data stays tiny.
            var result = ManifestReader.Read(Edit(r => r["architecture"]!["vocab"] = 32000));
            Assert.Contains(result.Errors, e => e.Kind == ManifestErrorKind.WrongShape);
        }

        [Fact]
        public void Integrity_mismatch()
        {
            var e = Single(Edit(r =>
            {
                var d = Data(r, "model.norm.weight");
                d[0] ^= 1; // still a finite float, one bit off
                SetData(r, "model.norm.weight", d);
            }));
            Assert.Equal(ManifestErrorKind.IntegrityMismatch, e.Kind);
            Assert.Equal("/integrity/digest", e.JsonPointer);
        }

        [Theory]
        [InlineData("model.norm.weight", "f64")]
        [InlineData(IProj, "f32")]
        public void Wrong_dtype(string tensor, string dtype)
        {
            var e = Single(Edit(r => Tensor(r, tensor)["dtype"] = dtype));
            Assert.Equal(ManifestErrorKind.InvalidDtype, e.Kind);
        }

        [Fact]
        public void Missing_and_unexpected_properties()
        {
            var e = Single(Edit(r => r.Remove("integrity")));
            Assert.Equal(ManifestErrorKind.MissingProperty, e.Kind);
            Assert.Contains("\"integrity\"", e.Message);
            var e2 = Single(Edit(r => r["architecture"]!["heads"] = 4));
            Assert.Equal(ManifestErrorKind.UnexpectedProperty, e2.Kind);
            Assert.Equal("/architecture/heads", e2.JsonPointer);
        }

        [Fact]
        public void Token_ids_out_of_range_or_clashing()
        {
            var e = Single(Edit(r => r["architecture"]!["eos"] = 259));
            Assert.Equal(ManifestErrorKind.InvalidValue, e.Kind);
            Assert.Equal("/architecture/eos", e.JsonPointer);
            var e2 = Single(Edit(r => r["tokenizer"]!["special_tokens"]!["<pad>"] = 5));
            Assert.Contains("byte range", e2.Message);
        }

        [Fact]
        public void Wrong_json_type()
        {
            var e = Single(Edit(r => r["architecture"]!["layers"] = "2"));
            Assert.Equal(ManifestErrorKind.WrongType, e.Kind);
            Assert.Contains("expected a number, found a string", e.Message);
        }

        [Fact]
        public void Invalid_json_has_line_and_column()
        {
            string text = Text;
            var e = Single(text.Substring(0, text.Length / 2));
            Assert.Equal(ManifestErrorKind.InvalidJson, e.Kind);
            Assert.True(e.Span.Line > 1);
        }

        [Fact]
        public void Several_independent_errors_are_all_reported()
        {
            var result = ManifestReader.Read(Edit(r =>
            {
                Tensor(r, IProj)["shape"] = new JsonArray(1);
                Tensor(r, "model.norm.weight")["dtype"] = "int4";
            }));
            Assert.Equal(2, result.Errors.Count);
        }

        [Theory]
        [InlineData("f16")]
        [InlineData("bf16")]
        public void Half_precision_float_tensors_are_accepted_and_widened(string dtype)
        {
            const string name = "model.norm.weight";
            float[] widened = null!;
            string text = Edit(r =>
            {
                var f32 = Data(r, name);
                var half = new byte[f32.Length / 2];
                widened = new float[f32.Length / 4];
                for (int k = 0; k < widened.Length; k++)
                {
                    float v = BitConverter.ToSingle(f32, 4 * k);
                    ushort bits = dtype == "f16"
                        ? BitConverter.HalfToUInt16Bits((Half)v)
                        : (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16);
                    BitConverter.GetBytes(bits).CopyTo(half, 2 * k);
                    widened[k] = dtype == "f16" ? (float)BitConverter.UInt16BitsToHalf(bits) : BitConverter.UInt32BitsToSingle((uint)bits << 16);
                }
                Tensor(r, name)["dtype"] = dtype;
                SetData(r, name, half);
                r["integrity"]!["digest"] = IndependentDigest.Of(r);
            });
            var result = ManifestReader.Read(text);
            Assert.Empty(result.Errors);
            Assert.Equal(widened, result.Model!.FinalNorm);
        }

        [Fact]
        public void A_thousand_random_mutations_give_errors_never_exceptions()
        {
            string text = Text;
            var random = new Random(20261123);
            int accepted = 0;
            for (int n = 0; n < 1000; n++)
            {
                string mutated = MatMulFree.Fuzz.Mutations.Text(text, random);
                var result = ManifestReader.Read(mutated);
                if (result.Succeeded)
                {
                    accepted++;
                    continue;
                }
                Assert.NotEmpty(result.Errors);
                foreach (var e in result.Errors)
                {
                    Assert.InRange(e.Span.Start, 0, mutated.Length);
                    Assert.True(e.Span.Line >= 1 && e.Span.Column >= 1);
                    Assert.False(string.IsNullOrWhiteSpace(e.Message));
                }
            }
            // Only mutations inside whitespace can leave a manifest valid.
            Assert.True(accepted < 200, $"{accepted} of 1000 mutations were accepted");
        }
    }
}
