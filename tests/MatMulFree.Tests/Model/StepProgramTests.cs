using System.Collections.Generic;
using System.Linq;
using MatMulFree.Compiler.Planning;
using MatMulFree.Model;
using MatMulFree.Runtime;
using Xunit;

namespace MatMulFree.Tests.Model
{
    /// <summary>The token step as one program (StepProgram): the order every target follows.</summary>
    public sealed class StepProgramTests
    {
        [Fact]
        public void The_step_program_lists_every_bitlinear_once_in_execution_order()
        {
            var m = ManifestLoader.Load(TestData.Model("tiny-l3-h96"));
            var expected = new List<string>();
            for (int l = 0; l < m.Architecture.Layers; l++)
            {
                foreach (var p in new[] { "attn.i_proj", "attn.f_proj", "attn.g_proj", "attn.o_proj", "mlp.gate_proj", "mlp.down_proj" })
                {
                    expected.Add($"{TensorNames.Block(l)}.{p}");
                }
            }
            expected.Add(TensorNames.LmHead);
            Assert.Equal(expected, m.Step.BitLinears.Select(w => w.Name));
            Assert.Equal(expected, ModelPlan.Create(m, new CSharpTarget()).Layers.Select(l => l.Weights.Name));
            // Every block's state is updated once, before its gate output reads it.
            for (int l = 0; l < m.Architecture.Layers; l++)
            {
                var ops = m.Step.OfBlock(l).ToList();
                Assert.Single(ops, o => o.Kind == StepOperation.MlgruUpdate);
                Assert.True(ops.FindIndex(o => o.Kind == StepOperation.MlgruUpdate) < ops.FindIndex(o => o.Kind == StepOperation.MlgruGateOutput));
            }
            Assert.All(m.Step.Operations.Where(o => o.IsHead), o => Assert.True(o.Block < 0));
        }
    }
}
