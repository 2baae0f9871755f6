using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using MatMulFree.Model;
using MatMulFree.Model.Manifest;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Kernels;
using Microsoft.CodeAnalysis;
using Xunit;

namespace MatMulFree.Tests.Generator
{
    /// <summary>
    /// A manifest whose ternary weights and embeddings are in an external weights
    /// file: the generator reads only the manifest (no file I/O), emits packed
    /// kernels with constant shapes, betas and norms, and code that loads the file
    /// (an embedded resource here) when the model is first used. The result must be
    /// bit-identical to the generic runtime on the same files, and a missing or
    /// altered file must be a clear error, not a wrong model.
    /// </summary>
    public sealed class ExternalWeightsGeneratorTests : IDisposable
    {
        private const string ManifestPath = "models/tiny-ext.mmf.json";
        private const string WeightsName = "tiny-ext.mmfw";
        private readonly string _dir = Directory.CreateTempSubdirectory("mmf-extgen-").FullName;
        private readonly string _manifest;
        private readonly byte[] _weights;

        public ExternalWeightsGeneratorTests()
        {
            // Every ternary weight and the embeddings go to the file (inline limit 0).
            var model = ManifestLoader.Load(TestData.Model("tiny-l2-h64"));
            string path = Path.Combine(_dir, "tiny-ext.mmf.json");
            using (var stream = new FileStream(Path.Combine(_dir, WeightsName), FileMode.Create))
            using (var writer = new WeightsFileWriter(WeightsName, stream, inlineLimitBytes: 0))
            {
                File.WriteAllText(path, ManifestWriter.Write(model, writer));
            }
            _manifest = File.ReadAllText(path);
            _weights = File.ReadAllBytes(Path.Combine(_dir, WeightsName));
        }

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        private (IMatMulFreeModel Model, string Source) Compile(byte[]? resource, string kernel = "auto")
        {
            var result = GeneratorHarness.Run(GeneratorHarness.Compilation(GeneratorHarness.ModelClass("External", ManifestPath)),
                new[] { GeneratorHarness.Manifest(ManifestPath, _manifest) }, new Dictionary<string, string> { ["MatMulFreeKernel"] = kernel });
            Assert.Empty(result.Diagnostics);
            var resources = resource == null ? null : new[] { new ResourceDescription(WeightsName, () => new MemoryStream(resource), isPublic: true) };
            var assembly = GeneratorHarness.Load(result.Output, resources);
            return ((IMatMulFreeModel)Activator.CreateInstance(assembly.GetType("Models.External")!)!, Assert.Single(result.Sources));
        }

        [Theory]
        [InlineData("auto")]
        [InlineData("unrolled")]
        public void Generated_model_with_external_weights_is_bit_identical_to_the_runtime(string kernel)
        {
            var (generated, source) = Compile(_weights, kernel);
            // The weights are not in the code: every layer is on the packed kernel, loaded from the file.
            Assert.DoesNotContain("Codes => new byte[]", source);
            Assert.DoesNotContain("Embeddings => new float[]", source);
            Assert.Contains("LoadedWeightsFile.Load(", source);
            Assert.Contains("the weights are in the external weights file", source);
            Assert.Contains("Embeddings.CopyRow(token, x);", source);

            var generic = GenericModel.Load(Path.Combine(_dir, "tiny-ext.mmf.json"), ProductForm.Rows, path: KernelPath.Scalar);
            GoldenLogits.AssertBitIdentical(generic, generated, GoldenLogits.Load("tiny-l2-h64").Tokens);
        }

        [Fact]
        public unsafe void Generated_model_loaded_from_an_assembly_file_reads_its_resource_in_place_and_gives_its_pages_back()
        {
            // An assembly loaded from a file (as applications load theirs) is a read-only file mapping:
            // the weights are hashed and read where they are, the embeddings row by row from there, and the
            // pages are given back (ResidentPages). The logits are the runtime's, bit for bit.
            var result = GeneratorHarness.Run(GeneratorHarness.Compilation(GeneratorHarness.ModelClass("External", ManifestPath)),
                new[] { GeneratorHarness.Manifest(ManifestPath, _manifest) });
            Assert.Empty(result.Diagnostics);
            string path = Path.Combine(_dir, "External.dll");
            using (var stream = File.Create(path))
            {
                var emit = result.Output.Emit(stream, manifestResources: GeneratorHarness.DataResourcesOf(result.Output)
                    .Append(new ResourceDescription(WeightsName, () => new MemoryStream(_weights), isPublic: true)));
                Assert.True(emit.Success, string.Join("\n", emit.Diagnostics));
            }
            var assembly = Assembly.LoadFrom(path);
            using (var resource = Assert.IsType<UnmanagedMemoryStream>(assembly.GetManifestResourceStream(WeightsName), exactMatch: false))
            {
                Assert.Equal(OperatingSystem.IsLinux(), ResidentPages.IsReleasable(resource.PositionPointer, resource.Length));
            }
            var generated = (IMatMulFreeModel)Activator.CreateInstance(assembly.GetType("Models.External")!)!;
            var generic = GenericModel.Load(Path.Combine(_dir, "tiny-ext.mmf.json"), ProductForm.Rows, path: KernelPath.Scalar);
            GoldenLogits.AssertBitIdentical(generic, generated, GoldenLogits.Load("tiny-l2-h64").Tokens);
        }

        [Theory]
        [InlineData(ProductForm.Packed, null)]
        [InlineData(ProductForm.Rows, KernelPath.Scalar)]
        public void The_runtime_reads_every_external_tensor_into_its_own_layer(ProductForm form, KernelPath? path)
        {
            // GenericModel.Load decodes each tensor of the file once, straight into its layer
            // (ManifestLoader.LoadDeferred): the same numbers as the inline manifest.
            var inline = GenericModel.Load(TestData.Model("tiny-l2-h64"), form, path: path);
            var external = GenericModel.Load(Path.Combine(_dir, "tiny-ext.mmf.json"), form, path: path);
            Assert.True(external.Definition.HasDeferredWeights);
            GoldenLogits.AssertBitIdentical(inline, external, GoldenLogits.Load("tiny-l2-h64").Tokens);
        }

        [Fact]
        public void The_runtime_checks_the_digest_over_the_tensors_it_leaves_in_the_file()
        {
            // Deferred reading still hashes every tensor (streaming those in the file), so a
            // manifest whose digest does not match its data is refused before any is used.
            string path = Path.Combine(_dir, "tiny-ext.mmf.json");
            var root = System.Text.Json.Nodes.JsonNode.Parse(_manifest)!.AsObject();
            var beta = root["tensors"]!["lm_head.weight"]!["beta"]!.GetValue<double>();
            root["tensors"]!["lm_head.weight"]!["beta"] = beta * 2;
            File.WriteAllText(path, root.ToJsonString());
            var e = Assert.Throws<ManifestException>(() => GenericModel.Load(path));
            Assert.Equal(ManifestErrorKind.IntegrityMismatch, Assert.Single(e.Errors).Kind);
        }

        [Fact]
        public void A_missing_weights_file_is_a_clear_error_when_the_model_is_first_used()
        {
            var (generated, _) = Compile(resource: null);
            var e = Assert.Throws<FileNotFoundException>(() => generated.Step(1, generated.CreateState(), new float[generated.Architecture.Vocab]));
            Assert.Contains(WeightsName, e.Message);
            Assert.Contains("neither an embedded resource", e.Message);
        }

        [Fact]
        public void An_altered_weights_file_is_refused()
        {
            var altered = (byte[])_weights.Clone();
            altered[altered.Length / 3] ^= 0x04;
            var (generated, _) = Compile(altered);
            var e = Assert.Throws<InvalidDataException>(() => generated.Step(1, generated.CreateState(), new float[generated.Architecture.Vocab]));
            Assert.Contains("sha256", e.Message);

            var (truncated, _) = Compile(_weights.AsSpan(0, _weights.Length - 64).ToArray());
            e = Assert.Throws<InvalidDataException>(() => truncated.Step(1, truncated.CreateState(), new float[truncated.Architecture.Vocab]));
            Assert.Contains("bytes", e.Message);
        }

        [Fact]
        public void Norm_weights_in_the_file_are_reported_where_the_manifest_says_so()
        {
            // Only ternary weights and the embeddings may be deferred; a hand-edited manifest that
            // moves a norm into the file is MMF0026 at that tensor, not a model with missing norms.
            var root = System.Text.Json.Nodes.JsonNode.Parse(_manifest)!.AsObject();
            root["tensors"]!["model.norm.weight"]!.AsObject().Remove("data");
            root["tensors"]!["model.norm.weight"]!["file"] = new System.Text.Json.Nodes.JsonObject { ["offset"] = 0, ["length"] = 256 };
            string text = root.ToJsonString();
            var result = GeneratorHarness.Run(GeneratorHarness.Compilation(GeneratorHarness.ModelClass("External", ManifestPath)),
                new[] { GeneratorHarness.Manifest(ManifestPath, text) });
            var d = Assert.Single(result.Diagnostics);
            Assert.Equal("MMF0026", d.Id);
            Assert.Contains("model.norm.weight", d.GetMessage());
        }
    }
}
