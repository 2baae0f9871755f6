using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using MatMulFree.Tests.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace MatMulFree.Tests
{
    /// <summary>
    /// Every C# block of README.md and docs/*.md (```csharp) is a whole file that builds: with the
    /// source generator, the runtime and the model assembly, and models/tiny.mmf.json standing for
    /// the manifest the docs name. A snippet cannot rot unnoticed.
    /// </summary>
    public sealed class DocsTests
    {
        public static IEnumerable<object[]> Snippets()
        {
            var files = new[] { Path.Combine(TestData.Root, "README.md") }
                .Concat(Directory.GetFiles(Path.Combine(TestData.Root, "docs"), "*.md").OrderBy(f => f, StringComparer.Ordinal));
            foreach (var file in files)
            {
                string text = File.ReadAllText(file).Replace("\r\n", "\n");
                foreach (Match m in Regex.Matches(text, "^```csharp\n(.*?)^```", RegexOptions.Singleline | RegexOptions.Multiline))
                {
                    int line = text.Take(m.Index).Count(c => c == '\n') + 1;
                    yield return new object[] { $"{Path.GetFileName(file)}:{line}", m.Groups[1].Value };
                }
            }
        }

        [Fact]
        public void The_docs_have_csharp_blocks_to_check()
        {
            Assert.Contains(Snippets(), s => ((string)s[0]).StartsWith("README.md:", StringComparison.Ordinal));
            Assert.Contains(Snippets(), s => ((string)s[0]).StartsWith("generator.md:", StringComparison.Ordinal));
        }

        [Theory]
        [MemberData(nameof(Snippets))]
        public void Every_csharp_block_builds(string where, string code)
        {
            var manifest = GeneratorHarness.Manifest("models/tiny.mmf.json", TestData.ModelText("tiny-l2-h64"));
            // A block with statements is a program; one with declarations only, a library.
            bool program = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(code).GetCompilationUnitRoot().Members
                .OfType<Microsoft.CodeAnalysis.CSharp.Syntax.GlobalStatementSyntax>().Any();
            var result = GeneratorHarness.Run(GeneratorHarness.Compilation(code).WithOptions(
                new Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions(program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                    nullableContextOptions: NullableContextOptions.Enable)),
                new[] { manifest });
            var errors = result.Diagnostics.Concat(result.Output.GetDiagnostics())
                .Where(d => d.Severity == DiagnosticSeverity.Error || d.Severity == DiagnosticSeverity.Warning).ToList();
            Assert.True(errors.Count == 0, $"{where}:\n" + string.Join("\n", errors));
        }
    }
}
