using System.Linq;
using System.Reflection;
using MatMulFree.Compiler.Planning;
using MatMulFree.Model;
using MatMulFree.Runtime;
using Xunit;

namespace MatMulFree.Tests
{
    /// <summary>Assemblies by role: what the runtime (and so every generated model) loads carries no compiler, no HLS backend.</summary>
    public sealed class LayeringTests
    {
        private static string[] OurReferences(Assembly a) =>
            a.GetReferencedAssemblies().Select(r => r.Name!).Where(n => n.StartsWith("MatMulFree", System.StringComparison.Ordinal)).OrderBy(n => n).ToArray();

        [Fact]
        public void The_model_references_nothing_of_ours_the_runtime_only_the_model_the_compiler_only_the_model()
        {
            Assert.Empty(OurReferences(typeof(ModelDefinition).Assembly));
            Assert.Equal(new[] { "MatMulFree.Model" }, OurReferences(typeof(GenericModel).Assembly));
            Assert.Equal(new[] { "MatMulFree.Model" }, OurReferences(typeof(ModelPlan).Assembly));
        }

        [Fact]
        public void The_runtime_depends_on_no_package_and_the_chat_client_only_on_the_runtime_and_the_ai_abstractions()
        {
            // The runtime, and every model compiled against it, load nothing but the .NET libraries and the model assembly.
            Assert.All(typeof(GenericModel).Assembly.GetReferencedAssemblies().Select(r => r.Name!).Where(n => n != "MatMulFree.Model"),
                n => Assert.True(n.StartsWith("System", System.StringComparison.Ordinal) || n is "netstandard" or "mscorlib", n));
            var chat = typeof(MatMulFree.AI.MatMulFreeChatClient).Assembly;
            Assert.Equal(new[] { "MatMulFree.Runtime" }, OurReferences(chat));
            Assert.Contains(chat.GetReferencedAssemblies(), r => r.Name == "Microsoft.Extensions.AI.Abstractions");
        }

        [Fact]
        public void A_compiled_in_model_loads_no_compiler()
        {
            // The harness compiles generated code against the runtime, the model and the compiler; the
            // assembly it emits references only what its code uses: the runtime and the model.
            foreach (var kernel in new[] { "unrolled", "packed" })
            {
                var generated = Generator.GeneratorHarness.CompileModel("micro-l2-h16", kernel).GetType().Assembly;
                Assert.Equal(new[] { "MatMulFree.Model", "MatMulFree.Runtime" }, OurReferences(generated));
            }
        }
    }
}
