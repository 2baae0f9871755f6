using System;
using System.Linq;
using MatMulFree.Model;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Kernels;
using Xunit;

namespace MatMulFree.Tests.Runtime
{
    /// <summary>Prefill and multi-session steps give exactly what token-by-token steps give.</summary>
    public sealed class BatchedModelTests
    {
        [Theory]
        [InlineData("micro-l2-h16", 1)]
        [InlineData("micro-l2-h16", 17)]
        [InlineData("tiny-l2-h64", 16)]
        [InlineData("tiny-l3-h96", 40)]
        public void Prefill_equals_step_by_step(string name, int length)
        {
            var model = GenericModel.Load(TestData.Model(name), ProductForm.Packed);
            var tokens = GoldenLogits.Load(name).Tokens.Take(length).ToArray();
            var (stepped, prefilled) = AssertPrefillEqualsSteps(model, model, tokens);
            // And the sequence goes on the same way after it.
            var expected = new float[model.Architecture.Vocab];
            var logits = new float[model.Architecture.Vocab];
            model.Step(5, stepped, expected);
            model.Step(5, prefilled, logits);
            Assert.Equal(expected, logits);
        }

        /// <summary>Prefills <paramref name="tokens"/> with one model and steps them one by one with
        /// the other: same last logits, position and recurrent state. Returns both states.</summary>
        private static (RecurrentState Stepped, RecurrentState Prefilled) AssertPrefillEqualsSteps(GenericModel stepping, GenericModel prefilling, int[] tokens)
        {
            var stepped = stepping.CreateState();
            var expected = new float[stepping.Architecture.Vocab];
            foreach (int t in tokens) stepping.Step(t, stepped, expected);
            var prefilled = prefilling.CreateState();
            var logits = new float[stepping.Architecture.Vocab];
            prefilling.Prefill(tokens, prefilled, logits);
            Assert.Equal(expected, logits);
            Assert.Equal(stepped.Position, prefilled.Position);
            for (int l = 0; l < stepping.Architecture.Layers; l++)
            {
                Assert.Equal(stepped.Hidden(l).ToArray(), prefilled.Hidden(l).ToArray());
            }
            return (stepped, prefilled);
        }

        [Theory]
        [MemberData(nameof(PackedKernelTests.Paths), MemberType = typeof(PackedKernelTests))]
        public void Prefill_on_every_path_equals_step_by_step(KernelPath path)
        {
            // 12 and 17 tokens run the packed kernel vector by vector, 13 and 16 the token-parallel product on 16
            // lanes, 20 and 32 on 32 lanes; 33 and 77 take several blocks of 32, the last of one and of 13.
            var model = new GenericModel(ManifestLoader.Load(TestData.Model("tiny-l3-h96")), ProductForm.Packed, path: path);
            var golden = GoldenLogits.Load("tiny-l3-h96").Tokens;
            foreach (int length in new[] { 12, 13, 16, 17, 20, 32, 33, 77 })
            {
                Assert.Equal(length is 13 or 16 or 20 or 32, ParallelPackedProduct.TokenParallel(length));
            }
            foreach (int length in new[] { 12, 13, 16, 17, 20, 32, 33, 77 })
            {
                var tokens = Enumerable.Range(0, length).Select(k => golden[k % golden.Length]).ToArray();
                AssertPrefillEqualsSteps(model, model, tokens);
            }
        }

        [Fact]
        public void Threaded_prefill_equals_single_threaded_step_by_step()
        {
            // Rows of every layer split across two threads in the batched products.
            var single = GenericModel.Load(TestData.Model("tiny-l3-h96"), ProductForm.Packed);
            using var threaded = new GenericModel(single.Definition, ProductForm.Packed, threads: 2, parallelMinimumWeights: 0);
            AssertPrefillEqualsSteps(single, threaded, GoldenLogits.Load("tiny-l3-h96").Tokens.Take(40).ToArray());
        }

        [Fact]
        public void One_batch_step_of_several_sessions_equals_their_own_steps()
        {
            var model = GenericModel.Load(TestData.Model("tiny-l2-h64"), ProductForm.Packed);
            int vocab = model.Architecture.Vocab;
            var tokens = GoldenLogits.Load("tiny-l2-h64").Tokens;
            var solo = Enumerable.Range(0, 20).Select(_ => model.CreateState()).ToArray();
            var batched = Enumerable.Range(0, 20).Select(_ => model.CreateState()).ToArray();
            var scratch = new float[vocab];
            for (int k = 0; k < 20; k++)
            {
                // Sessions at different positions: session k has seen k tokens.
                for (int t = 0; t < k; t++)
                {
                    model.Step(tokens[t], solo[k], scratch);
                    model.Step(tokens[t], batched[k], scratch);
                }
            }
            var next = Enumerable.Range(0, 20).Select(k => tokens[k + 1]).ToArray();
            var all = new float[20 * vocab];
            model.StepBatch(next, batched, all);
            for (int k = 0; k < 20; k++)
            {
                model.Step(next[k], solo[k], scratch);
                Assert.Equal(scratch, all.AsSpan(k * vocab, vocab).ToArray());
                Assert.Equal(solo[k].Hidden(1).ToArray(), batched[k].Hidden(1).ToArray());
            }
        }

        [Fact]
        public void A_state_twice_in_one_batch_step_is_refused()
        {
            var model = GenericModel.Load(TestData.Model("micro-l2-h16"));
            var s = model.CreateState();
            Assert.Throws<ArgumentException>(() => model.StepBatch(new[] { 1, 2 }, new[] { s, s }, new float[2 * model.Architecture.Vocab]));
        }

        [Fact]
        public void Sessions_prefill_their_prompt()
        {
            var model = GenericModel.Load(TestData.Model("tiny-l2-h64"));
            var session = new MatMulFree.Runtime.Generation.Session(model);
            session.FeedText("A prompt of a few dozen bytes, fed layer by layer.");
            var reference = GenericModel.Load(TestData.Model("tiny-l2-h64"), ProductForm.Rows, path: KernelPath.Scalar);
            var state = reference.CreateState();
            var logits = new float[reference.Architecture.Vocab];
            foreach (int t in session.Tokenizer.Encode("A prompt of a few dozen bytes, fed layer by layer.", addBos: true)) reference.Step(t, state, logits);
            Assert.Equal(logits, session.Logits.ToArray());
        }
    }
}
