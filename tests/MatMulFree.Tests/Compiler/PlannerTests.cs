using System.Collections.Generic;
using System.Linq;
using MatMulFree.Compiler.Hls;
using MatMulFree.Compiler.Planning;
using MatMulFree.Model;
using MatMulFree.Runtime;
using Xunit;

namespace MatMulFree.Tests.Compiler
{
    /// <summary>The one planner (ModelPlan.Create) with each target's cost model: who decides a layer's form, and what a plan carries.</summary>
    public sealed class PlannerTests
    {
        private const string Input = "model.layers.0.attn.i_proj";

        private static ModelDefinition Micro(Dictionary<string, string>? kernels = null)
        {
            var m = ManifestLoader.Load(TestData.Model("micro-l2-h16"));
            if (kernels != null)
            {
                m.KernelOverrides = kernels;
            }
            return m;
        }

        [Fact]
        public void The_manifests_kernels_reach_csharp_and_hls_alike()
        {
            var m = Micro(new Dictionary<string, string> { [Input] = "packed", [TensorNames.LmHead] = "unrolled" });
            var csharp = ModelPlan.Create(m, new CSharpTarget());
            var hls = HlsPlan.Create(m, new HlsOptions { UnrollLimit = 0 });
            Assert.Equal(ProductForm.Packed, csharp.Layers.Single(l => l.Weights.Name == Input).Form);
            Assert.Equal(ProductForm.Folded, hls.Layers.Single(l => l.Weights.Name == Input).Form);
            Assert.Equal(ProductForm.Unrolled, csharp.Layers.Single(l => l.Weights.Name == TensorNames.LmHead).Form);
            // The HLS limit 0 folds every other layer; the manifest's choice still unrolls lm_head.
            Assert.Equal(ProductForm.Unrolled, hls.Layers.Single(l => l.Weights.Name == TensorNames.LmHead).Form);
            Assert.All(hls.Layers.Where(l => l.Weights.Name != TensorNames.LmHead), l => Assert.Equal(ProductForm.Folded, l.Form));
            Assert.Contains("manifest's \"kernels\"", csharp.Layers.Single(l => l.Weights.Name == Input).Reason);
            Assert.Contains("manifest's \"kernels\"", hls.Layers.Single(l => l.Weights.Name == Input).Reason);
        }

        [Fact]
        public void A_choice_for_one_layer_beats_the_manifest_and_the_manifest_beats_a_choice_for_all()
        {
            var m = Micro(new Dictionary<string, string> { [Input] = "packed", [TensorNames.LmHead] = "unrolled" });
            var options = new HlsOptions { Form = ProductForm.Folded };
            options.LayerForms[Input] = ProductForm.Unrolled;
            var hls = HlsPlan.Create(m, options);
            Assert.Equal(ProductForm.Unrolled, hls.Layers.Single(l => l.Weights.Name == Input).Form);
            Assert.Equal(ProductForm.Unrolled, hls.Layers.Single(l => l.Weights.Name == TensorNames.LmHead).Form);
            Assert.Equal(ProductForm.Folded, hls.Layers.Single(l => l.Weights.Name == "model.layers.1.mlp.down_proj").Form);

            var csharp = ModelPlan.Create(m, new CSharpTarget(ProductForm.Unrolled));
            Assert.Equal(ProductForm.Packed, csharp.Layers.Single(l => l.Weights.Name == Input).Form);
            Assert.Equal(ProductForm.Unrolled, csharp.Layers.Single(l => l.Weights.Name == "model.layers.1.mlp.down_proj").Form);
        }

        [Theory]
        [InlineData("micro-l2-h16")]
        [InlineData("tiny-l2-h64")]
        public void Adder_sharing_is_written_only_for_unrolled_layers_and_counts_agree(string name)
        {
            var m = ManifestLoader.Load(TestData.Model(name));
            var packed = ModelPlan.Create(m, new CSharpTarget(ProductForm.Packed));
            var unrolled = ModelPlan.Create(m, new CSharpTarget(ProductForm.Unrolled));
            var folded = HlsPlan.Create(m, new HlsOptions { Form = ProductForm.Folded });
            for (int k = 0; k < packed.Layers.Count; k++)
            {
                var p = packed.Layers[k];
                var u = unrolled.Layers[k];
                var f = folded.Layers[k];
                Assert.Empty(p.Product.SharedSums);
                Assert.Empty(p.Product.RowTerms);
                Assert.Empty(f.Product.RowTerms);
                Assert.Equal(0, p.UnrolledTerms);
                Assert.Equal(u.Product.NonZeros, p.Product.NonZeros);
                Assert.Equal(u.Product.AdditionsBefore, p.Product.AdditionsBefore);
                Assert.Equal(u.Product.NonZeros, f.Product.NonZeros);
                Assert.Equal(p.Weights.OutFeatures, u.Product.RowTerms.Count);
                Assert.Equal(PairCodes.Of(p.Weights.Weight), p.PairCodes);
                Assert.Null(u.PairCodes);
                Assert.Null(f.PairCodes);
                Assert.NotNull(f.Fold);
                Assert.Null(p.Fold);
            }
        }
    }
}
