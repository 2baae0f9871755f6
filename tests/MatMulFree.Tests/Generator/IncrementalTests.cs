using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using MatMulFree.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace MatMulFree.Tests.Generator
{
    /// <summary>The pipeline's caching: unrelated edits reuse every step, manifest edits redo the right ones.</summary>
    public sealed class IncrementalTests
    {
        private const string ManifestPath = "models/micro.mmf.json";

        private static readonly string[] Steps =
        {
            ModelGenerator.TrackingNames.Targets, ModelGenerator.TrackingNames.Identities, ModelGenerator.TrackingNames.ManifestPaths,
            ModelGenerator.TrackingNames.Manifests, ModelGenerator.TrackingNames.Options, ModelGenerator.TrackingNames.Plans, ModelGenerator.TrackingNames.Specs, ModelGenerator.TrackingNames.ManifestFiles,
            ModelGenerator.TrackingNames.Diagnostics,
        };

        private static (GeneratorDriver Driver, CSharpCompilation Compilation, AdditionalText Manifest) FirstRun()
        {
            var manifest = GeneratorHarness.Manifest(ManifestPath, TestData.ModelText("micro-l2-h16"));
            var compilation = GeneratorHarness.Compilation(GeneratorHarness.ModelClass("M", ManifestPath), "namespace Other; public class Unrelated { public int X; }");
            var driver = GeneratorHarness.Driver(new[] { manifest }).RunGenerators(compilation);
            return (driver, compilation, manifest);
        }

        private static Dictionary<string, IncrementalStepRunReason[]> Reasons(GeneratorDriver driver)
        {
            var result = driver.GetRunResult().Results.Single();
            Assert.Null(result.Exception);
            return Steps.ToDictionary(s => s, s => result.TrackedSteps[s].SelectMany(step => step.Outputs).Select(o => o.Reason).ToArray());
        }

        [Fact]
        public void An_unrelated_csharp_edit_reuses_every_step()
        {
            var (driver, compilation, _) = FirstRun();
            var old = compilation.SyntaxTrees.Last();
            var edited = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText("namespace Other; public class Unrelated { public int X; public int Y; }", GeneratorHarness.ParseOptions, old.FilePath));
            driver = driver.RunGenerators(edited);
            foreach (var (step, reasons) in Reasons(driver))
            {
                Assert.NotEmpty(reasons);
                Assert.All(reasons, r => Assert.True(r == IncrementalStepRunReason.Cached || r == IncrementalStepRunReason.Unchanged, $"{step}: {r}"));
            }
        }

        [Fact]
        public void Moving_the_model_class_keeps_the_plan_cached()
        {
            var (driver, compilation, _) = FirstRun();
            var old = compilation.SyntaxTrees.First();
            string moved = "// a comment that moves the class down a line\n" + old.GetText();
            driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(moved, GeneratorHarness.ParseOptions, old.FilePath)));
            var reasons = Reasons(driver);
            Assert.Contains(IncrementalStepRunReason.Modified, reasons[ModelGenerator.TrackingNames.Targets]);
            Assert.All(reasons[ModelGenerator.TrackingNames.Identities], r => Assert.Equal(IncrementalStepRunReason.Unchanged, r));
            Assert.All(reasons[ModelGenerator.TrackingNames.Specs], r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
        }

        [Fact]
        public void A_manifest_edit_reparses_and_replans()
        {
            var (driver, compilation, manifest) = FirstRun();
            string text = manifest.GetText()!.ToString();
            // Another valid model: the micro manifest with another name (and the digest, which covers the name, made again).
            var changed = GeneratorHarness.Manifest(ManifestPath, IndependentDigest.Rewrite(text.Replace("\"name\": \"micro-l2-h16\"", "\"name\": \"micro-renamed\"")));
            driver = driver.ReplaceAdditionalText(manifest, changed).RunGenerators(compilation);
            var reasons = Reasons(driver);
            Assert.Contains(IncrementalStepRunReason.Modified, reasons[ModelGenerator.TrackingNames.Manifests]);
            Assert.Contains(IncrementalStepRunReason.Modified, reasons[ModelGenerator.TrackingNames.Specs]);
            var source = driver.GetRunResult().GeneratedTrees.Single().GetText().ToString();
            Assert.Contains("\"micro-renamed\"", source);
        }

        [Fact]
        public void Editing_one_of_two_manifests_replans_only_its_model()
        {
            const string other = "models/tiny.mmf.json";
            var micro = GeneratorHarness.Manifest(ManifestPath, TestData.ModelText("micro-l2-h16"));
            var tiny = GeneratorHarness.Manifest(other, TestData.ModelText("tiny-l2-h64"));
            var compilation = GeneratorHarness.Compilation(GeneratorHarness.ModelClass("M", ManifestPath), GeneratorHarness.ModelClass("T", other));
            var driver = GeneratorHarness.Driver(new[] { micro, tiny }).RunGenerators(compilation);
            Assert.Equal(2, driver.GetRunResult().GeneratedTrees.Length);

            string text = micro.GetText()!.ToString();
            var changed = GeneratorHarness.Manifest(ManifestPath, IndependentDigest.Rewrite(text.Replace("\"name\": \"micro-l2-h16\"", "\"name\": \"micro-renamed\"")));
            driver = driver.ReplaceAdditionalText(micro, changed).RunGenerators(compilation);
            var result = driver.GetRunResult().Results.Single();
            Assert.Null(result.Exception);
            // One plan step per manifest: the edited one ran again, the other's came from the cache.
            var plans = result.TrackedSteps[ModelGenerator.TrackingNames.Plans];
            Assert.Equal(2, plans.Length);
            var reasons = plans.SelectMany(p => p.Outputs).Select(o => o.Reason).OrderBy(r => r).ToArray();
            Assert.Equal(new[] { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Modified }.OrderBy(r => r), reasons);
            // The other model's spec is unchanged, so its source is not written again.
            var specs = result.TrackedSteps[ModelGenerator.TrackingNames.Specs].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
            Assert.Contains(IncrementalStepRunReason.Unchanged, specs);
            Assert.Contains(IncrementalStepRunReason.Modified, specs);
        }

        [Fact]
        public void Pipeline_models_hold_no_roslyn_objects()
        {
            var (driver, _, _) = FirstRun();
            var result = driver.GetRunResult().Results.Single();
            int walked = 0;
            foreach (var step in Steps)
            {
                foreach (var run in result.TrackedSteps[step])
                {
                    foreach (var (value, _) in run.Outputs)
                    {
                        Walk(value, new HashSet<object>(ReferenceEqualityComparer.Instance), step, ref walked);
                    }
                }
            }
            Assert.True(walked > 100, $"only {walked} objects walked");
        }

        private static readonly Type[] Forbidden =
        {
            typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(Compilation), typeof(SemanticModel),
            typeof(AdditionalText), typeof(Location), typeof(SourceText), typeof(AttributeData),
        };

        private static void Walk(object? value, HashSet<object> seen, string path, ref int walked)
        {
            if (value == null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || value is decimal)
            {
                return;
            }
            var type = value.GetType();
            foreach (var f in Forbidden)
            {
                Assert.False(f.IsAssignableFrom(type), $"{path} holds a {type} ({f.Name})");
            }
            if (!type.IsValueType && !seen.Add(value))
            {
                return;
            }
            walked++;
            if (type.IsArray && type.GetElementType()!.IsPrimitive)
            {
                return;
            }
            if (value is IEnumerable items && !(value is string))
            {
                int k = 0;
                foreach (var item in items)
                {
                    Walk(item, seen, $"{path}[{k++}]", ref walked);
                }
                if (type.IsArray) return;
            }
            for (var t = type; t != null && t != typeof(object); t = t.BaseType)
            {
                foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    Walk(field.GetValue(value), seen, path + "." + field.Name, ref walked);
                }
            }
        }
    }
}
