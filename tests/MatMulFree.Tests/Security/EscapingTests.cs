using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using MatMulFree.Build;
using MatMulFree.Compiler.Emit;
using MatMulFree.Model.Text;
using MatMulFree.Tests.Compiler.Hls;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace MatMulFree.Tests.Security
{
    /// <summary>
    /// The one escaping function of each output language, checked by the language's own
    /// reader: a C# literal parsed by Roslyn, a C literal compiled by gcc, a command line
    /// split by .NET's process start and echoed back by printf, JSON read back, each giving
    /// exactly the text it was made from (unpaired surrogates and NUL included); comment,
    /// Markdown and display text hold nothing that could act.
    /// </summary>
    public sealed class EscapingTests : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("mmf-escape-").FullName;

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        public static readonly string[] Texts = HostileTextTests.Pieces
            .Concat(new[] { "", " ", "plain", "\ud800", "\udfff", "a\ud83d", "\U0001F600", "\U000E0069", "\U0001D173", "\u00e9t\u00e9", "a\\\"b\\\\\"", "\\", "a b\tc", "\"\"", "-x", "@file", "https://evil.example www.evil.example", "a|b" })
            .Append(string.Concat(HostileTextTests.Pieces))
            .ToArray();

        [Fact]
        public void A_csharp_literal_reads_back_as_its_text()
        {
            foreach (var text in Texts)
            {
                string literal = CSharpText.Literal(text);
                Assert.All(literal, c => Assert.InRange(c, ' ', '~'));
                var tree = CSharpSyntaxTree.ParseText($"class C {{ string s = {literal}; }}");
                Assert.Empty(tree.GetDiagnostics());
                var token = tree.GetRoot().DescendantNodes().OfType<LiteralExpressionSyntax>().Single().Token;
                Assert.Equal(text, token.ValueText);
            }
        }

        [Fact]
        public void Csharp_comment_text_is_one_line_of_printable_ascii_without_xml()
        {
            foreach (var text in Texts)
            {
                string comment = CSharpText.Comment(text);
                Assert.All(comment, c => Assert.InRange(c, ' ', '~'));
                Assert.DoesNotContain('<', comment);
                Assert.DoesNotContain('>', comment);
                var tree = CSharpSyntaxTree.ParseText($"/// <summary>{comment}</summary>\nclass C {{ }}", new CSharpParseOptions(documentationMode: DocumentationMode.Diagnose));
                Assert.Empty(tree.GetDiagnostics());
                Assert.Equal(new[] { "class", "C", "{", "}", "" }, tree.GetRoot().DescendantTokens().Select(t => t.Text));
            }
        }

        [Fact]
        public void A_c_literal_compiles_to_the_utf8_bytes_of_its_text_and_c_comments_stay_comments()
        {
            // One C program prints every literal's bytes in hex; comment text sits in between and must not change it.
            var program = new StringBuilder("#include <stdio.h>\nstatic void dump(const char *s, unsigned n) { unsigned k; for (k = 0; k < n; k++) printf(\"%02x\", (unsigned char)s[k]); printf(\"\\n\"); }\nint main(void) {\n");
            foreach (var text in Texts)
            {
                program.Append("/* ").Append(CText.Comment(text)).Append(" */\n");
                program.Append("dump(").Append(CText.Literal(text)).Append(", sizeof ").Append(CText.Literal(text)).Append(" - 1);\n");
            }
            program.Append("return 0;\n}\n");
            Assert.All(program.ToString(), c => Assert.True(c == '\n' || (c >= ' ' && c <= '~')));
            File.WriteAllText(Path.Combine(_dir, "t.c"), program.ToString());
            var build = HlsHarness.Run("gcc", "-std=c99 -Wall -Wextra -Werror -o t t.c", _dir);
            Assert.True(build.Code == 0, build.Output);
            var run = HlsHarness.Run(Path.Combine(_dir, "t"), "", _dir);
            var lines = run.Output.Split('\n');
            var utf8 = new UTF8Encoding(false, false);
            for (int k = 0; k < Texts.Length; k++)
            {
                Assert.Equal(Convert.ToHexStringLower(utf8.GetBytes(Texts[k])), lines[k]);
            }
        }

        [Fact]
        public void Json_quoting_reads_back_exactly()
        {
            foreach (var text in Texts)
            {
                string quoted = JsonText.Quote(text);
                Assert.DoesNotContain('\u2028', quoted);
                var value = MatMulFree.Model.Json.JsonReader.Parse(quoted, out var error);
                Assert.Null(error);
                Assert.Equal(text, value!.Text);
            }
        }

        [Fact]
        public void Display_and_markdown_text_hold_nothing_that_acts()
        {
            foreach (var text in Texts)
            {
                string shown = DisplayText.Of(text);
                Assert.True(DisplayText.IsInert(shown), shown);
                Assert.DoesNotContain('\u001b', shown);
                // Markdown: a code span (where nothing is a link, HTML or emphasis) on one line and in one table cell.
                string md = MarkdownText.Code(text + "`x``");
                Assert.True(DisplayText.IsInert(md), md);
                Assert.DoesNotContain('|', md);
                int fence = md.TakeWhile(c => c == '`').Count();
                Assert.True(md.EndsWith(new string('`', fence), StringComparison.Ordinal) && md.Length >= 2 * fence, md);
                Assert.DoesNotContain(new string('`', fence), md.Substring(fence, md.Length - 2 * fence));
                Assert.True(DisplayText.IsInert(JsonText.Quote(text)), JsonText.Quote(text));
            }
            Assert.Equal(123, DisplayText.Of(new string('x', 1_000_000), 120).Length);
        }

        [Fact]
        public void A_command_line_gives_each_argument_back_unchanged_without_a_shell()
        {
            if (!File.Exists("/usr/bin/printf"))
            {
                return;
            }
            // printf prints each argument after the format as it is, each followed by NUL.
            var arguments = Texts.Where(t => t.IndexOf('\0') < 0 && !t.Any(char.IsSurrogate)).ToList();
            var start = new ProcessStartInfo("/usr/bin/printf", CommandLine.Join(new[] { "%s\\0" }.Concat(arguments)))
            {
                RedirectStandardOutput = true,
                WorkingDirectory = _dir,
                StandardOutputEncoding = new UTF8Encoding(false),
            };
            using var p = Process.Start(start)!;
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
            Assert.Equal(arguments, output.Split('\0').SkipLast(1).ToList());
            Assert.False(File.Exists(Path.Combine(_dir, "A")));
        }
    }
}
