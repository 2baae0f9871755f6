using System;
using System.Linq;
using System.Collections.Concurrent;
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
            var generic = GenericModel.Load(TestData.Model(name), TernaryKernelKind.Scalar);
            using var workers = new RowWorkers(2);
            var s1 = generic.CreateState();
            var s2 = generated.CreateState();
            s2.Workers = workers;
            s2.Scratch.ParallelMinimumWeights = 0; // every layer, however small, on both threads
            var l1 = new float[generic.Architecture.Vocab];
            var l2 = new float[generic.Architecture.Vocab];
            foreach (int token in GoldenLogits.Load(name).Tokens)
            {
                generic.Step(token, s1, l1);
                generated.Step(token, s2, l2);
                Assert.Equal(l1.Select(BitConverter.SingleToInt32Bits), l2.Select(BitConverter.SingleToInt32Bits));
            }
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
            var generic = GenericModel.Load(TestData.Model(name), TernaryKernelKind.Scalar);
            Assert.Equal(generic.Name, generated.Name);
            Assert.Equal(generic.Architecture.Vocab, generated.Architecture.Vocab);
            var tokens = GoldenLogits.Load(name).Tokens;
            Assert.True(tokens.Length >= 64);
            var s1 = generic.CreateState();
            var s2 = generated.CreateState();
            var l1 = new float[generic.Architecture.Vocab];
            var l2 = new float[generic.Architecture.Vocab];
            for (int t = 0; t < tokens.Length; t++)
            {
                generic.Step(tokens[t], s1, l1);
                generated.Step(tokens[t], s2, l2);
                for (int v = 0; v < l1.Length; v++)
                {
                    if (BitConverter.SingleToInt32Bits(l1[v]) != BitConverter.SingleToInt32Bits(l2[v]))
                    {
                        Assert.Fail($"step {t}, logit {v}: generic {l1[v]:R}, generated {l2[v]:R}");
                    }
                }
            }
        }
    }
}
