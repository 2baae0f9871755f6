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
        [InlineData("brown-l4-h128", TernaryKernelKind.Simd)]
        [InlineData("brown-l4-h128", TernaryKernelKind.Packed)]
        public void Logits_match_the_pytorch_reference(string name, TernaryKernelKind kernel)
        {
            var golden = GoldenLogits.Load(name);
            var model = GenericModel.Load(TestData.Model(name), kernel);
            string agreement = golden.AssertAgreement(model);
            _out.WriteLine($"{name}: {agreement}");
        }
    }
}
