using System.Linq;
using MatMulFree.Model;
using MatMulFree.Model.Manifest;
using MatMulFree.Model.Text;
using Xunit;

namespace MatMulFree.Tests.Model
{
    /// <summary>The C# manifest writer against the Python one: same digest, same model.</summary>
    public sealed class ManifestWriterTests
    {
        [Theory]
        [InlineData("micro-l2-h16")]
        [InlineData("tiny-l2-h64")]
        public void Rewriting_a_reference_manifest_keeps_its_digest_and_every_tensor(string name)
        {
            var original = ManifestReader.Read(TestData.ModelText(name)).Model!;
            string text = ManifestWriter.Write(original);
            var result = ManifestReader.Read(text);
            Assert.Empty(result.Errors);
            var copy = result.Model!;
            // The digest was computed independently by tools/reference (Python) over the same bytes.
            Assert.Equal(original.IntegrityDigest, copy.IntegrityDigest);
            var a = TensorInventory.Of(original).ToList();
            var b = TensorInventory.Of(copy).ToList();
            Assert.Equal(a.Select(t => t.Name), b.Select(t => t.Name));
            for (int k = 0; k < a.Count; k++)
            {
                if (a[k].Ternary != null)
                {
                    Assert.Equal(a[k].Ternary!.PackedTrits, b[k].Ternary!.PackedTrits);
                    Assert.Equal(a[k].Ternary!.Beta, b[k].Ternary!.Beta);
                }
                else
                {
                    Assert.Equal(a[k].Values, b[k].Values);
                }
            }
        }

        [Fact]
        public void Writes_bpe_tokenizers_and_kernel_choices()
        {
            var model = ManifestReader.Read(BpeManifest.Text(r => r["kernels"] = new System.Text.Json.Nodes.JsonObject { ["lm_head"] = "packed" })).Model!;
            var copy = ManifestReader.Read(ManifestWriter.Write(model)).Model!;
            Assert.Equal(model.Tokenizer.Pieces, copy.Tokenizer.Pieces);
            Assert.Equal(model.Tokenizer.Merges, copy.Tokenizer.Merges);
            Assert.Equal("packed", copy.KernelOverrides["lm_head"]);
        }

        [Fact]
        public void Quotes_every_character_json_needs()
        {
            Assert.Equal("\"a\\\"b\\\\c\\n\\u0001\u2581\\u2028\\ud800\U0001F600\"", JsonText.Quote("a\"b\\c\n\u0001\u2581\u2028\ud800\U0001F600"));
        }
    }
}
