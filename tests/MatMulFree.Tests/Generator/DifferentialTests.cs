using System;
using System.Collections.Concurrent;
using MatMulFree.Model;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Kernels;
using Xunit;

namespace MatMulFree.Tests.Generator
{
    /// <summary>
    /// The generated model against the generic runtime: same manifest, same tokens,
    /// logits bit for bit over 64 steps (the golden token sequence of the reference).
    /// </summary>
    public sealed class DifferentialTests
    {
        private static readonly ConcurrentDictionary<string, IMatMulFreeModel> Compiled = new ConcurrentDictionary<string, IMatMulFreeModel>();

        internal static IMatMulFreeModel Generated(string name, string kernel) =>
            Compiled.GetOrAdd(name + "/" + kernel, _ => GeneratorHarness.CompileModel(name, kernel));

        [Theory]
        [InlineData("tiny-l2-h64")]
        [InlineData("brown-l4-h128")]
        public void Generated_packed_layers_split_across_threads_give_the_same_bits(string name)
        {
            var generated = Generated(name, "packed");
            var generic = GenericModel.Load(TestData.Model(name), ProductForm.Rows, path: KernelPath.Scalar);
            using var workers = new RowWorkers(2);
            GoldenLogits.AssertBitIdentical(generic, generated, GoldenLogits.Load(name).Tokens, state =>
            {
                state.Workers = workers;
                state.Scratch.ParallelMinimumWeights = 0; // every layer, however small, on both threads
            });
        }

        [Theory]
        [InlineData("micro-l2-h16", "auto")]
        [InlineData("micro-l2-h16", "unrolled")]
        [InlineData("micro-l2-h16", "packed")]
        [InlineData("tiny-l2-h64", "auto")]
        [InlineData("tiny-l2-h64", "unrolled")]
        [InlineData("tiny-l3-h96", "auto")]
        [InlineData("tiny-l3-h96", "unrolled")]
        [InlineData("brown-l4-h128", "auto")]
        public void Generated_logits_are_bit_identical_to_the_generic_runtime(string name, string kernel)
        {
            var generated = Generated(name, kernel);
            var generic = GenericModel.Load(TestData.Model(name), ProductForm.Rows, path: KernelPath.Scalar);
            Assert.Equal(generic.Name, generated.Name);
            Assert.Equal(generic.Architecture.Vocab, generated.Architecture.Vocab);
            var tokens = GoldenLogits.Load(name).Tokens;
            Assert.True(tokens.Length >= 64);
            GoldenLogits.AssertBitIdentical(generic, generated, tokens);
        }

        [Theory]
        [InlineData("micro-l2-h16", "unrolled", 1)]
        [InlineData("micro-l2-h16", "packed", 2)]
        [InlineData("tiny-l2-h64", "auto", 1)]
        [InlineData("tiny-l3-h96", "packed", 2)]
        [InlineData("brown-l4-h128", "auto", 2)]
        public void Generated_prefill_and_batched_steps_are_bit_identical_to_generic_steps(string name, string kernel, int threads)
        {
            // Prompts of 12 tokens (packed layers vector by vector), 13 and 32 (token-parallel on 16 and 32 lanes),
            // 45 (a block of 32 and one of 13); then 20 sessions at different positions stepping together.
            var generated = Assert.IsAssignableFrom<IBatchedModel>(Generated(name, kernel));
            var generic = GenericModel.Load(TestData.Model(name), ProductForm.Rows, path: KernelPath.Scalar);
            var golden = GoldenLogits.Load(name).Tokens;
            int vocab = generic.Architecture.Vocab;
            using var workers = threads > 1 ? new RowWorkers(threads) : null;
            RecurrentState Create(IMatMulFreeModel model)
            {
                var state = model.CreateState();
                state.Workers = model == generic ? null : workers;
                state.Scratch.ParallelMinimumWeights = 0;
                return state;
            }
            var expected = new float[vocab];
            var actual = new float[vocab];
            foreach (int length in new[] { 12, 13, 32, 45 })
            {
                var tokens = new int[length];
                for (int k = 0; k < length; k++) tokens[k] = golden[k % golden.Length];
                var stepped = Create(generic);
                foreach (int t in tokens) generic.Step(t, stepped, expected);
                var prefilled = Create(generated);
                generated.Prefill(tokens, prefilled, actual);
                Assert.Equal(expected, actual);
                for (int l = 0; l < generic.Architecture.Layers; l++)
                {
                    Assert.Equal(stepped.Hidden(l).ToArray(), prefilled.Hidden(l).ToArray());
                }
                Assert.Equal(length, prefilled.Position);
            }
            const int sessions = 20;
            var solo = new RecurrentState[sessions];
            var together = new RecurrentState[sessions];
            for (int k = 0; k < sessions; k++)
            {
                solo[k] = Create(generic);
                together[k] = Create(generated);
                for (int t = 0; t < k; t++)
                {
                    generic.Step(golden[t], solo[k], expected);
                    generated.Step(golden[t], together[k], actual);
                }
            }
            var next = new int[sessions];
            for (int k = 0; k < sessions; k++) next[k] = golden[(k + 1) % golden.Length];
            var all = new float[sessions * vocab];
            generated.StepBatch(next, together, all);
            for (int k = 0; k < sessions; k++)
            {
                generic.Step(next[k], solo[k], expected);
                Assert.Equal(expected, all.AsSpan(k * vocab, vocab).ToArray());
            }
        }
    }
}
