using System;
using MatMulFree.Model;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace MatMulFree.Tests.Runtime
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
        [InlineData("micro-l2-h16", ProductForm.Rows, KernelPath.Scalar)]
        [InlineData("micro-l2-h16", ProductForm.Rows, null)]
        [InlineData("micro-l2-h16", ProductForm.Packed, null)]
        [InlineData("tiny-l2-h64", ProductForm.Rows, KernelPath.Scalar)]
        [InlineData("tiny-l2-h64", ProductForm.Rows, null)]
        [InlineData("tiny-l3-h96", ProductForm.Rows, KernelPath.Scalar)]
        [InlineData("tiny-l3-h96", ProductForm.Rows, null)]
        [InlineData("tiny-l3-h96", ProductForm.Packed, null)]
        [InlineData("brown-l4-h128", ProductForm.Rows, null)]
        [InlineData("brown-l4-h128", ProductForm.Packed, null)]
        public void Logits_match_the_pytorch_reference(string name, ProductForm form, KernelPath? path)
        {
            var golden = GoldenLogits.Load(name);
            var model = GenericModel.Load(TestData.Model(name), form, path: path);
            string agreement = golden.AssertAgreement(model);
            _out.WriteLine($"{name}: {agreement}");
        }
    }
}
