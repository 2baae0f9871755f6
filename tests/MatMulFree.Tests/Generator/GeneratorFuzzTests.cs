using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace MatMulFree.Tests.Generator
{
    /// <summary>The generator never throws: 1,000 random mutations of a valid manifest give diagnostics or code, never an exception.</summary>
    public sealed class GeneratorFuzzTests
    {
        [Fact]
        public void A_thousand_mutated_manifests_give_diagnostics_never_exceptions()
        {
            const string path = "models/micro.mmf.json";
            string text = TestData.ModelText("micro-l2-h16");
            var compilation = GeneratorHarness.Compilation(GeneratorHarness.ModelClass("M", path));
            var current = GeneratorHarness.Manifest(path, text);
            var driver = GeneratorHarness.Driver(new[] { current }).RunGenerators(compilation);
            var random = new Random(2406_02528);
            int withDiagnostics = 0, generated = 0;
            for (int n = 0; n < 1000; n++)
            {
                var next = GeneratorHarness.Manifest(path, MatMulFree.Fuzz.Mutations.Text(text, random));
                driver = driver.ReplaceAdditionalText(current, next).RunGenerators(compilation);
                current = next;
                var run = driver.GetRunResult();
                var result = run.Results.Single();
                Assert.True(result.Exception == null, $"mutation {n} made the generator throw: {result.Exception}");
                Assert.DoesNotContain(run.Diagnostics, d => d.Id.StartsWith("CS", StringComparison.Ordinal));
                if (run.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
                {
                    withDiagnostics++;
                    // One stand-in (members that throw, naming the error), so the user sees only MMF errors.
                    Assert.Contains("generated no model (MMF", Assert.Single(run.GeneratedTrees).GetText().ToString());
                    Assert.All(run.Diagnostics, d => Assert.StartsWith("MMF", d.Id));
                }
                else
                {
                    generated++;
                }
            }
            Assert.True(withDiagnostics > 800, $"only {withDiagnostics} of 1000 mutations were rejected ({generated} generated)");
        }
    }
}
