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
                Assert.Equal(PlanCause.Target, p.Cause);
                Assert.Equal(PlanCause.Target, u.Cause);
                Assert.Equal(PlanCause.Target, f.Cause);
                Assert.NotNull(f.Fold);
                Assert.Null(p.Fold);
            }
        }

        [Fact]
        public void Reasons_name_the_form_each_target_gave_and_who_chose_it()
        {
            var m = Micro(new Dictionary<string, string> { [Input] = "packed", [TensorNames.LmHead] = "unrolled" });
            var csharp = ModelPlan.Create(m, new CSharpTarget());
            var hls = HlsPlan.Create(m, new HlsOptions());
            Assert.Equal("packed: set for this layer in the manifest's \"kernels\"", csharp.Layers.Single(l => l.Weights.Name == Input).Reason);
            Assert.Equal(PlanCause.Manifest, csharp.Layers.Single(l => l.Weights.Name == Input).Cause);
            Assert.All(csharp.Layers.Where(l => l.Weights.Name != Input && l.Weights.Name != TensorNames.LmHead), l => Assert.Equal(PlanCause.CostModel, l.Cause));
            Assert.Equal("folded: set for this layer in the manifest's \"kernels\" (\"packed\": the weights as data)", hls.Layers.Single(l => l.Weights.Name == Input).Reason);
            Assert.Equal("unrolled: set for this layer in the manifest's \"kernels\"", hls.Layers.Single(l => l.Weights.Name == TensorNames.LmHead).Reason);
            Assert.Equal("packed for every layer (MatMulFreeKernel=packed)", ModelPlan.Create(Micro(), new CSharpTarget(ProductForm.Packed)).Layers[0].Reason);
            Assert.StartsWith("unrolled: 256 weights, at most the 2,048", ModelPlan.Create(Micro(), new CSharpTarget()).Layers[0].Reason);
        }

        [Fact]
        public void A_manifests_auto_asks_the_cost_model_even_under_a_form_for_all()
        {
            var m = Micro(new Dictionary<string, string> { [Input] = "auto" });
            var plan = ModelPlan.Create(m, new CSharpTarget(ProductForm.Packed));
            var input = plan.Layers.Single(l => l.Weights.Name == Input);
            Assert.Equal(ProductForm.Unrolled, input.Form);
            Assert.StartsWith("unrolled: 256 weights", input.Reason);
            Assert.All(plan.Layers.Where(l => l.Weights.Name != Input), l => Assert.Equal(ProductForm.Packed, l.Form));
        }

        [Fact]
        public void Layers_in_a_weights_file_keep_the_data_form_whatever_is_asked()
        {
            var tiny = ManifestLoader.Load(TestData.Model("tiny-l2-h64"));
            var w = tiny.LmHead;
            var range = new MatMulFree.Model.Manifest.WeightsFileRange(0, w.Weight.PackedTrits.Length, "trit2");
            var deferred = new BitLinearWeights(w.Name, w.NormWeight, new TernaryMatrix(w.Weight.Rows, w.Weight.Columns, w.Weight.Beta, range));
            var blocks = tiny.Blocks;
            var model = new ModelDefinition(tiny.Name, tiny.Architecture, tiny.Tokenizer, tiny.Embeddings, tiny.LowerBoundParameters, blocks,
                tiny.FinalNorm, deferred, tiny.IntegrityDigest) { KernelOverrides = new Dictionary<string, string> { [w.Name] = "unrolled" } };
            var plan = ModelPlan.Create(model, new CSharpTarget(ProductForm.Unrolled));
            var head = plan.Layers.Single(l => l.Weights.Name == w.Name);
            Assert.Equal(ProductForm.Packed, head.Form);
            Assert.Equal(PlanCause.WeightsFile, head.Cause);
            Assert.StartsWith("packed: the weights are in the external weights file", head.Reason);
            Assert.Equal(new[] { TensorNames.Weight(w.Name) }, DataResource.Of(model).WeightsFileTensors);
        }

        [Fact]
        public void Unrolled_layers_run_batches_over_vectors_of_tokens_while_their_rows_sums_fit_int16()
        {
            var plan = ModelPlan.Create(Micro(), new CSharpTarget());
            Assert.All(plan.Layers, l => Assert.True(l.BatchUnrolled, l.Weights.Name));
            Assert.All(plan.Layers, l => Assert.Contains("unrolled over vectors of tokens", l.BatchReason));
            Assert.All(plan.Layers, l => Assert.NotEmpty(l.BatchRowMethods));
            // Packed layers are not unrolled for batches either (the token-parallel product).
            var packed = ModelPlan.Create(Micro(), new CSharpTarget(ProductForm.Packed));
            Assert.All(packed.Layers, l => Assert.False(l.BatchUnrolled));
            // A row of 256 non-zero weights could sum to 128 x 256, past int16: that layer goes token by token; 255 fits.
            var target = new CSharpTarget();
            foreach (int nonZeros in new[] { 255, 256 })
            {
                var w = new BitLinearWeights("wide", new float[300], TestMatrices.Matrix(2, 300, (n, k) => n == 1 && k < nonZeros ? 1 : 0));
                var (unrolled, reason) = target.ChooseBatch(w, AdderSharing.Plan(w.Weight));
                Assert.Equal(nonZeros <= CSharpTarget.BatchMaxRowNonZeros, unrolled);
                Assert.Contains(unrolled ? "at most 255 non-zero" : "a row has 256 non-zero weights", reason);
            }
        }
    }
}
