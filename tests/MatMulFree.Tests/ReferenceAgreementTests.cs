using System;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace MatMulFree.Tests
{
    /// <summary>
    /// The generic runtime against the independent PyTorch reference, on the
    /// committed golden logits. Tolerance (docs/numerics.md): per step, the
    /// largest logit difference within 1e-4 of that step's logit range.
    /// </summary>
    public sealed class ReferenceAgreementTests
    {
        public const double RelativeTolerance = 1e-4;
        private readonly ITestOutputHelper _out;

        public ReferenceAgreementTests(ITestOutputHelper output) => _out = output;

        [Theory]
        [InlineData("micro-l2-h16", TernaryKernelKind.Scalar)]
        [InlineData("micro-l2-h16", TernaryKernelKind.Simd)]
        [InlineData("micro-l2-h16", TernaryKernelKind.Packed)]
        [InlineData("tiny-l2-h64", TernaryKernelKind.Scalar)]
        [InlineData("tiny-l2-h64", TernaryKernelKind.Simd)]
        [InlineData("tiny-l3-h96", TernaryKernelKind.Scalar)]
        [InlineData("tiny-l3-h96", TernaryKernelKind.Simd)]
        [InlineData("tiny-l3-h96", TernaryKernelKind.Packed)]
        public void Logits_match_the_pytorch_reference(string name, TernaryKernelKind kernel)
        {
            var golden = GoldenLogits.Load(name);
            var model = GenericModel.Load(TestData.Model(name), kernel);
            var state = model.CreateState();
            var logits = new float[model.Architecture.Vocab];
            double worst = 0;
            for (int t = 0; t < golden.Tokens.Length; t++)
            {
                model.Step(golden.Tokens[t], state, logits);
                var expected = golden.Step(t);
                float min = float.MaxValue, max = float.MinValue;
                double diff = 0;
                for (int v = 0; v < expected.Length; v++)
                {
                    min = Math.Min(min, expected[v]);
                    max = Math.Max(max, expected[v]);
                    diff = Math.Max(diff, Math.Abs(expected[v] - logits[v]));
                }
                double relative = diff / (max - min);
                worst = Math.Max(worst, relative);
                Assert.True(relative <= RelativeTolerance,
                    $"step {t}: max |logit difference| {diff} is {relative:E2} of the logit range {max - min}");
            }
            _out.WriteLine($"{name}: worst step differs by {worst:E2} of its logit range over {golden.Tokens.Length} steps");
        }
    }
}
