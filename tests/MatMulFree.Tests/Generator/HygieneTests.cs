using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using MatMulFree.Runtime;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace MatMulFree.Tests.Generator
{
    /// <summary>
    /// The generated code is a good guest in the user's project (docs/generator.md, "What is
    /// generated"): the user's class receives IMatMulFreeModel's members and nothing else, each
    /// [GeneratedCode]; the rest is a file-local class; every type is named from global::. A user
    /// who names members and types like everything the generator writes still builds clean.
    /// </summary>
    public sealed class HygieneTests
    {
        private static readonly string[] Surface = { "Name", "Architecture", "Tokenizer", "CreateState", "Step", "Prefill", "StepBatch" };

        private static GeneratorHarness.Result Generate(string source, string name, string kernel) =>
            GeneratorHarness.Run(GeneratorHarness.Compilation(source), new[] { GeneratorHarness.Manifest($"models/{name}.mmf.json", TestData.ModelText(name)) },
                new Dictionary<string, string> { ["MatMulFreeKernel"] = kernel });

        /// <summary>Every name the generated source declares or uses.</summary>
        private static SortedSet<string> Identifiers(string source)
        {
            var root = CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions).GetRoot();
            var names = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var token in root.DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)))
            {
                names.Add(token.ValueText);
            }
            return names;
        }

        [Theory]
        [InlineData("micro-l2-h16", "unrolled")]
        [InlineData("micro-l2-h16", "packed")]
        [InlineData("tiny-l2-h64", "auto")]
        public void A_user_type_with_members_and_neighbours_named_like_every_generated_identifier_builds_clean(string name, string kernel)
        {
            string plain = GeneratorHarness.ModelClass("CompiledModel", $"models/{name}.mmf.json");
            var identifiers = Identifiers(Assert.Single(Generate(plain, name, kernel).Sources));
            Assert.Contains("Hidden", identifiers);
            Assert.Contains("Residual", identifiers);
            Assert.Contains("Data", identifiers);
            Assert.Contains("CompiledModelKernels", identifiers);

            // In the user's class: a member named like each identifier (but the interface's and the class's own).
            // Beside it, in its namespace, in the global namespace and in MatMulFree.Generated: a type named like each.
            var source = new StringBuilder();
            source.AppendLine("using MatMulFree.Runtime;");
            source.AppendLine("namespace Models");
            source.AppendLine("{");
            source.AppendLine($"    [MatMulFreeModel(\"models/{name}.mmf.json\")]");
            source.AppendLine("    public partial class CompiledModel");
            source.AppendLine("    {");
            foreach (var id in identifiers.Where(i => !Surface.Contains(i) && i != "CompiledModel"))
            {
                source.AppendLine($"        public static int {id} = 1;");
            }
            source.AppendLine("    }");
            foreach (var id in identifiers.Where(i => i != "CompiledModel" && i != "Models"))
            {
                // Empty: the generated code calling Residual.Add on the user's Residual would not build (CS0117).
                source.AppendLine($"    public static class {id} {{ }}");
            }
            source.AppendLine("}");
            source.AppendLine("namespace MatMulFree.Generated");
            source.AppendLine("{");
            foreach (var id in identifiers.Where(i => i != "Generated"))
            {
                source.AppendLine($"    public static class {id} {{ }}");
            }
            source.AppendLine("}");
            // The global namespace cannot hold a type named like a namespace it holds.
            foreach (var id in identifiers.Where(i => i != "System" && i != "MatMulFree" && i != "Models"))
            {
                source.AppendLine($"public static class {id} {{ }}");
            }

            var result = Generate(source.ToString(), name, kernel);
            Assert.Empty(result.Diagnostics);
            var errors = result.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            Assert.True(errors.Count == 0, string.Join("\n", errors.Take(10)));
            // And it runs: the user's statics did not change what the generated code computes.
            var assembly = GeneratorHarness.Load(result.Output);
            var hostile = (IMatMulFreeModel)Activator.CreateInstance(assembly.GetType("Models.CompiledModel")!)!;
            var generic = GenericModel.Load(TestData.Model(name));
            var tokens = GoldenLogits.Load(name).Tokens.Take(16).ToArray();
            GoldenLogits.AssertBitIdentical(generic, hostile, tokens.Take(8).ToArray());
            // The batched step too (16 tokens: the token-parallel product).
            var expected = new float[generic.Architecture.Vocab];
            var actual = new float[generic.Architecture.Vocab];
            generic.Prefill(tokens, generic.CreateState(), expected);
            ((IBatchedModel)hostile).Prefill(tokens, hostile.CreateState(), actual);
            Assert.Equal(expected, actual);
        }

        [Fact]
        public void The_users_class_gets_only_the_interfaces_members_each_marked_generated()
        {
            var result = Generate(GeneratorHarness.ModelClass("CompiledModel", "models/micro-l2-h16.mmf.json"), "micro-l2-h16", "auto");
            var tree = result.Output.SyntaxTrees.Last();
            var user = tree.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>().Single(c => c.Identifier.Text == "CompiledModel");
            var members = user.Members.ToList();
            Assert.Equal(Surface, members.Select(m => m switch
            {
                PropertyDeclarationSyntax p => p.Identifier.Text,
                MethodDeclarationSyntax m2 => m2.Identifier.Text,
                _ => m.Kind().ToString(),
            }));
            foreach (var m in members)
            {
                var attribute = Assert.Single(m.AttributeLists.SelectMany(l => l.Attributes));
                Assert.Equal("global::System.CodeDom.Compiler.GeneratedCode", attribute.Name.ToString());
                Assert.Contains(m.Modifiers, t => t.IsKind(SyntaxKind.PublicKeyword));
            }
            // Everything else is one file-local class.
            var others = tree.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>().Where(c => c.Parent is BaseNamespaceDeclarationSyntax && c != user).ToList();
            var implementation = Assert.Single(others);
            Assert.Contains(implementation.Modifiers, t => t.IsKind(SyntaxKind.FileKeyword));
            Assert.Equal("MatMulFree.Generated", ((BaseNamespaceDeclarationSyntax)implementation.Parent!).Name.ToString());
            // Every name of a type outside the generated code is written from global::.
            foreach (var qualified in tree.GetRoot().DescendantNodes().OfType<QualifiedNameSyntax>().Where(q => q.Parent is not QualifiedNameSyntax && q.Parent is not BaseNamespaceDeclarationSyntax))
            {
                Assert.StartsWith("global::", qualified.ToString());
            }
            var model = result.Output.GetSemanticModel(tree);
            foreach (var simple in tree.GetRoot().DescendantNodes().OfType<IdentifierNameSyntax>())
            {
                bool qualified = simple.Parent is QualifiedNameSyntax q && q.Right == simple
                    || simple.Parent is MemberAccessExpressionSyntax access && access.Name == simple
                    || simple.Parent is AliasQualifiedNameSyntax;
                if (!qualified && model.GetSymbolInfo(simple).Symbol is INamedTypeSymbol type)
                {
                    // A type named without qualification must be one of the generated code's own (the file-local class or its Data).
                    Assert.True(type.IsFileLocal || type.ContainingType?.IsFileLocal == true, $"{simple} ({type.ToDisplayString()}) at {simple.GetLocation().GetLineSpan()}");
                }
            }
        }
    }
}
