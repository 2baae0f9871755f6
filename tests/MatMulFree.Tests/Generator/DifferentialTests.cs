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
    }
}
