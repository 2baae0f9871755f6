using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Reflection.Emit;
using MatMulFree.Compiler.Planning;
using MatMulFree.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace MatMulFree.Tests.Generator
{
    /// <summary>What the generated code looks like: its text, its syntax and its IL.</summary>
    public sealed class GeneratedCodeTests
    {
        private static GeneratorHarness.Result Generate(string name, string kernel = "unrolled")
        {
            var manifest = GeneratorHarness.Manifest($"models/{name}.mmf.json", TestData.ModelText(name));
            var result = GeneratorHarness.Run(GeneratorHarness.Compilation(GeneratorHarness.ModelClass("CompiledModel", $"models/{name}.mmf.json")), new[] { manifest },
                new System.Collections.Generic.Dictionary<string, string> { ["MatMulFreeKernel"] = kernel });
            Assert.Empty(result.Diagnostics);
            return result;
        }

        [Theory]
        [InlineData("micro-l2-h16", "auto")]
        [InlineData("tiny-l2-h64", "auto")]
        [InlineData("tiny-l2-h64", "unrolled")]
        [InlineData("tiny-l3-h96", "packed")]
        [InlineData("brown-l4-h128", "auto")]
        public void The_source_size_estimate_errs_high_but_not_by_much(string name, string kernel)
        {
            // MMF0027 refuses a model by this estimate before anything is written: it must not let a
            // larger model through, nor refuse a smaller one for long.
            var manifest = MatMulFree.Runtime.ManifestLoader.Parse(TestData.ModelText(name), TestData.Model(name));
            long estimate = GeneratedSourceSize.Estimate(ModelPlan.Create(manifest, new CSharpTarget(kernel == "auto" ? null : Enum.Parse<ProductForm>(kernel, ignoreCase: true))));
            long actual = Assert.Single(Generate(name, kernel).Sources).Length;
            Assert.InRange(estimate, actual, actual * 13 / 10);
        }

        [Fact]
        public void Generated_code_of_the_smallest_model_matches_its_baseline()
        {
            // The default plan unrolls every layer of this model: all are small, and the
            // 259 x 16 lm_head has fewer than 64 inputs (the narrow-layer rule).
            var source = Assert.Single(Generate("micro-l2-h16", "auto").Sources);
            Assert.Contains("private static void LmHeadRows(", source);
            Assert.Contains("16 input columns, fewer than 64, where unrolled code measured faster", source);
            Assert.Contains("private static void Layer0IProjRows(", source);
            Baseline.Verify("csharp-micro-l2-h16/Models.CompiledModel.g.cs.txt", source.Replace("\r\n", "\n"));
        }

        [Fact]
        public void Generated_packed_code_of_the_smallest_model_matches_its_baseline()
        {
            // Every layer on the packed kernel: one call each of the runtime's row-split product, whose pair
            // codes come from the data resource; no weight in the source.
            var source = Assert.Single(Generate("micro-l2-h16", "packed").Sources);
            Assert.Contains("d.LmHeadProduct.Forward(normed, ", source);
            Assert.Contains("LmHeadProduct = new global::MatMulFree.Runtime.Kernels.ParallelPackedProduct(resource.Ternary(offset: ", source);
            Assert.DoesNotContain("Rows(", source);
            Assert.DoesNotContain("0x", source);
            Baseline.Verify("csharp-micro-l2-h16-packed/Models.CompiledModel.g.cs.txt", source.Replace("\r\n", "\n"));
        }

        [Theory]
        [InlineData("micro-l2-h16")]
        [InlineData("tiny-l2-h64")]
        [InlineData("tiny-l3-h96")]
        public void Product_methods_hold_only_additions_and_subtractions(string name)
        {
            var tree = CSharpSyntaxTree.ParseText(Assert.Single(Generate(name).Sources));
            var methods = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>()
                .Where(m => m.Identifier.Text.Contains("SharedSums") || m.Identifier.Text.Contains("Rows"))
                .ToList();
            Assert.NotEmpty(methods);
            foreach (var method in methods)
            {
                foreach (var node in method.Body!.DescendantNodes())
                {
                    switch (node)
                    {
                        case BinaryExpressionSyntax b:
                            Assert.True(b.IsKind(SyntaxKind.AddExpression) || b.IsKind(SyntaxKind.SubtractExpression),
                                $"{method.Identifier}: '{b.OperatorToken}' in a product method");
                            break;
                        case PrefixUnaryExpressionSyntax u:
                            Assert.True(u.IsKind(SyntaxKind.UnaryMinusExpression), $"{method.Identifier}: {u}");
                            break;
                        case IfStatementSyntax or SwitchStatementSyntax or ConditionalExpressionSyntax or ForStatementSyntax
                            or WhileStatementSyntax or DoStatementSyntax or ForEachStatementSyntax or InvocationExpressionSyntax:
                            Assert.Fail($"{method.Identifier}: {node.Kind()} in a product method");
                            break;
                        case ElementAccessExpressionSyntax e:
                            // Only constant indices: the weights are in the code, not read from data.
                            var index = Assert.Single(e.ArgumentList.Arguments).Expression;
                            Assert.True(index.IsKind(SyntaxKind.NumericLiteralExpression), $"{method.Identifier}: index {index}");
                            break;
                    }
                }
            }
        }

        [Fact]
        public void Large_layers_are_split_and_every_method_stays_under_the_jit_limits()
        {
            var result = Generate("tiny-l3-h96");
            var assembly = GeneratorHarness.Load(result.Output);
            // The layers are in the model's file-local class (MatMulFree.Generated), whatever name the compiler gives it.
            var type = assembly.GetTypes().Single(t => t.Namespace == "MatMulFree.Generated" && t.Name.EndsWith("CompiledModelKernels", StringComparison.Ordinal));
            var methods = type.GetMethods(BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly);
            // 320 x 96 gate_proj: more rows than one method may hold.
            Assert.Contains(methods, m => m.Name == "Layer0GateProjRows1");
            int worstInstructions = 0, worstBytes = 0;
            foreach (var m in methods)
            {
                var body = m.GetMethodBody();
                if (body == null) continue;
                var il = body.GetILAsByteArray()!;
                int instructions = CountInstructions(il);
                worstInstructions = Math.Max(worstInstructions, instructions);
                worstBytes = Math.Max(worstBytes, il.Length);
                Assert.True(il.Length <= 60_000, $"{m.Name}: {il.Length} IL bytes");
                Assert.True(instructions <= 20_000, $"{m.Name}: {instructions} IL instructions");
                Assert.True(body.LocalVariables.Count <= 2_000, $"{m.Name}: {body.LocalVariables.Count} locals");
            }
            // The budget's estimate is meant to be conservative: the real figures stay under it.
            Assert.True(worstInstructions <= JitMethodBudget.MaxInstructions, $"largest method has {worstInstructions} instructions");
            Assert.True(worstBytes <= JitMethodBudget.MaxBytes, $"largest method has {worstBytes} bytes");
        }

        private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (OpCode)f.GetValue(null)!)
            .ToDictionary(o => o.Value);

        /// <summary>Decodes IL just far enough to count instructions.</summary>
        private static int CountInstructions(byte[] il)
        {
            int count = 0;
            for (int pc = 0; pc < il.Length; count++)
            {
                short value = il[pc] == 0xFE ? (short)(0xFE00 | il[pc + 1]) : il[pc];
                var op = OpCodesByValue[value];
                pc += op.Size;
                pc += op.OperandType switch
                {
                    OperandType.InlineNone => 0,
                    OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                    OperandType.InlineVar => 2,
                    OperandType.InlineI8 or OperandType.InlineR => 8,
                    OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, pc),
                    _ => 4,
                };
            }
            return count;
        }
    }
}
