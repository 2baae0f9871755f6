using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using MatMulFree.Runtime;
using Xunit;
using Xunit.Abstractions;

namespace MatMulFree.Tests.Generator
{
    /// <summary>
    /// The NuGet package as a user gets it: dotnet pack the one MatMulFree package into
    /// a local folder, build a consumer project with one PackageReference against that
    /// folder alone (no other source of MatMulFree), run it, and compare the logits its
    /// compile-time model prints with the generic runtime's, bit for bit.
    /// </summary>
    public sealed class PackageTests : IDisposable
    {
        private const string Version = "0.1.0-test";
        private readonly string _dir = Directory.CreateTempSubdirectory("mmf-package-").FullName;
        private readonly ITestOutputHelper _out;

        public PackageTests(ITestOutputHelper output) => _out = output;

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        private string Dotnet(string arguments, string workingDirectory)
        {
            var (code, output) = TryDotnet(arguments, workingDirectory);
            Assert.True(code == 0, $"dotnet {arguments} failed ({code}):\n{output}");
            return output;
        }

        private (int Code, string Output) TryDotnet(string arguments, string workingDirectory)
        {
            var psi = new ProcessStartInfo("dotnet", arguments)
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            psi.Environment["NUGET_PACKAGES"] = Path.Combine(_dir, "nuget-cache");
            psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            psi.Environment["DOTNET_NOLOGO"] = "1";
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            string stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, p.ExitCode == 0 ? stdout : stdout + "\n" + stderr.Result);
        }

        [Trait("Category", "Slow")]
        [Fact]
        public void Mmf_installs_as_a_dotnet_tool_whose_version_is_the_packages()
        {
            string packages = Path.Combine(_dir, "tool-packages");
            Dotnet($"pack \"{Path.Combine(TestData.Root, "runtime", "MatMulFree.Cli")}\" -c Release -o \"{packages}\" -p:Version={Version}", TestData.Root);
            Assert.True(File.Exists(Path.Combine(packages, $"mmf.{Version}.nupkg")));
            string tools = Path.Combine(_dir, "tools");
            Dotnet($"tool install --tool-path \"{tools}\" --add-source \"{packages}\" --version {Version} mmf", _dir);
            var psi = new ProcessStartInfo(Path.Combine(tools, "mmf"), "--version") { RedirectStandardOutput = true };
            using (var p = Process.Start(psi)!)
            {
                string version = p.StandardOutput.ReadToEnd().Trim();
                p.WaitForExit();
                Assert.Equal(0, p.ExitCode);
                // The package's version, then the commit as build metadata.
                Assert.StartsWith(Version, version);
            }
            var inspect = new ProcessStartInfo(Path.Combine(tools, "mmf"), $"inspect \"{TestData.Model("micro-l2-h16")}\"") { RedirectStandardOutput = true };
            using (var p = Process.Start(inspect)!)
            {
                string output = p.StandardOutput.ReadToEnd();
                p.WaitForExit();
                Assert.True(p.ExitCode == 0, output);
                Assert.Contains("micro-l2-h16", output);
            }
        }

        [Trait("Category", "Slow")]
        [Fact]
        public void A_consumer_with_one_package_reference_builds_and_matches_the_generic_runtime()
        {
            string packages = Path.Combine(_dir, "packages");
            Dotnet($"pack \"{Path.Combine(TestData.Root, "package", "MatMulFree")}\" -c Release -o \"{packages}\" -p:Version={Version}", TestData.Root);
            // One package: nothing else is published.
            Assert.Equal(new[] { $"MatMulFree.{Version}.nupkg" }, Directory.GetFiles(packages).Select(Path.GetFileName).ToArray());
            using (var zip = System.IO.Compression.ZipFile.OpenRead(Path.Combine(packages, $"MatMulFree.{Version}.nupkg")))
            {
                using var nuspec = new StreamReader(zip.GetEntry("MatMulFree.nuspec")!.Open());
                string text = nuspec.ReadToEnd();
                // The license, readme and version of Directory.Build.props; no dependency (the model assembly is inside).
                Assert.Contains("<license type=\"expression\">MIT</license>", text);
                Assert.Contains("<readme>README.md</readme>", text);
                Assert.Contains($"<version>{Version}</version>", text);
                Assert.DoesNotContain("<dependency ", text);
                var entries = zip.Entries.Select(e => e.FullName).ToList();
                Assert.Contains("README.md", entries);
                // The runtime, and the model assembly it loads, for the application; never the compiler.
                Assert.Contains("lib/net8.0/MatMulFree.Runtime.dll", entries);
                Assert.Contains("lib/net8.0/MatMulFree.Runtime.pdb", entries);
                Assert.Contains("lib/net8.0/MatMulFree.Model.dll", entries);
                Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && e.Contains("Compiler", StringComparison.Ordinal));
                // The generator, in the compiler.
                Assert.Contains("analyzers/dotnet/cs/MatMulFree.Generator.dll", entries);
                Assert.Contains("analyzers/dotnet/cs/MatMulFree.Compiler.dll", entries);
                Assert.Contains("analyzers/dotnet/cs/MatMulFree.Model.dll", entries);
                // The build targets, named after the package so that NuGet imports them, and their tasks.
                Assert.Contains("buildTransitive/MatMulFree.props", entries);
                Assert.Contains("buildTransitive/MatMulFree.targets", entries);
                Assert.Contains("tasks/MatMulFree.Build.dll", entries);
                Assert.Contains("tasks/MatMulFree.Model.dll", entries);
                Assert.Contains("tools/mmf/mmf.dll", entries);
                Assert.Contains("docs/diagnostics.md", entries);
            }

            string consumer = Path.Combine(_dir, "consumer");
            Directory.CreateDirectory(Path.Combine(consumer, "models"));
            File.Copy(TestData.Model("micro-l2-h16"), Path.Combine(consumer, "models", "micro.mmf.json"));
            // A second model, whose ternary weights and embeddings are in an external weights file: the build
            // embeds one data resource per manifest (the generator checks it finds each), copies the weights
            // file beside the application, and embeds it in the NativeAOT executable.
            using (var stream = new FileStream(Path.Combine(consumer, "models", "tiny.mmfw"), FileMode.Create))
            using (var writer = new MatMulFree.Model.Manifest.WeightsFileWriter("tiny.mmfw", stream, inlineLimitBytes: 0))
            {
                File.WriteAllText(Path.Combine(consumer, "models", "tiny.mmf.json"),
                    MatMulFree.Model.Manifest.ManifestWriter.Write(ManifestLoader.Load(TestData.Model("tiny-l2-h64")), writer));
            }
            // A manifest whose file name is shell syntax, matched by the wildcard below: the HLS build
            // target must pass it to mmf as a name, never run it (docs/security.md).
            const string hostile = "x$(touch A)`touch B`;'q\"";
            File.Copy(TestData.Model("micro-l2-h16"), Path.Combine(consumer, "models", hostile + ".mmf.json"));
            // MatMulFree's packages come from the folder just packed, and only from there; what NativeAOT
            // needs (the ILCompiler and runtime packs) from the packages this machine already restored
            // (.ci/run publishes the sample with NativeAOT first): nothing is downloaded.
            string machine = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            File.WriteAllText(Path.Combine(consumer, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="local" value="{packages}" />
                    <add key="machine" value="{machine}" />
                  </packageSources>
                  <packageSourceMapping>
                    <packageSource key="local">
                      <package pattern="MatMulFree" />
                    </packageSource>
                    <packageSource key="machine">
                      <package pattern="*" />
                    </packageSource>
                  </packageSourceMapping>
                </configuration>
                """);
            File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                    <MatMulFreeHlsOutput>hls/</MatMulFreeHlsOutput>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="MatMulFree" Version="{Version}" />
                    <MatMulFreeModel Include="models/*.mmf.json" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(consumer, "Program.cs"), """
                using System;
                using MatMulFree.Runtime;

                var model = new Micro();
                var state = model.CreateState();
                var logits = new float[model.Architecture.Vocab];
                foreach (var token in new[] { 1, 80, 120, 200 })
                {
                    model.Step(token, state, logits);
                    Console.WriteLine(string.Join(" ", Array.ConvertAll(logits, v => BitConverter.SingleToInt32Bits(v).ToString("x8"))));
                }

                var tiny = new Tiny();
                var tinyLogits = new float[tiny.Architecture.Vocab];
                tiny.Step(1, tiny.CreateState(), tinyLogits);
                Console.WriteLine(string.Join(" ", Array.ConvertAll(tinyLogits, v => BitConverter.SingleToInt32Bits(v).ToString("x8"))));

                [MatMulFreeModel("models/micro.mmf.json")]
                public partial class Micro;

                [MatMulFreeModel("models/tiny.mmf.json")]
                public partial class Tiny;
                """);
            Dotnet("build -c Release", consumer);
            var lines = Dotnet("bin/Release/net10.0/Consumer.dll", consumer).Split('\n', StringSplitOptions.RemoveEmptyEntries);

            var generic = GenericModel.Load(TestData.Model("micro-l2-h16"));
            var s = generic.CreateState();
            var expected = new float[generic.Architecture.Vocab];
            var tokens = new[] { 1, 80, 120, 200 };
            Assert.Equal(tokens.Length + 1, lines.Length);
            for (int t = 0; t < tokens.Length; t++)
            {
                generic.Step(tokens[t], s, expected);
                Assert.Equal(string.Join(" ", expected.Select(v => BitConverter.SingleToInt32Bits(v).ToString("x8", CultureInfo.InvariantCulture))), lines[t].Trim());
            }
            var tinyGeneric = GenericModel.Load(Path.Combine(consumer, "models", "tiny.mmf.json"));
            var tinyExpected = new float[tinyGeneric.Architecture.Vocab];
            tinyGeneric.Step(1, tinyGeneric.CreateState(), tinyExpected);
            Assert.Equal(string.Join(" ", tinyExpected.Select(v => BitConverter.SingleToInt32Bits(v).ToString("x8", CultureInfo.InvariantCulture))), lines[tokens.Length].Trim());
            // The build copied the weights file beside the application, and a publish that does not build again copies it too.
            Assert.True(File.Exists(Path.Combine(consumer, "bin", "Release", "net10.0", "tiny.mmfw")));
            Dotnet("publish -c Release --no-build -o pub", consumer);
            Assert.Equal(lines, Dotnet(Path.Combine("pub", "Consumer.dll"), consumer).Split('\n', StringSplitOptions.RemoveEmptyEntries));
            // <MatMulFreeHlsOutput> wrote an HLS project at build time; its testbench passes.
            string hls = Path.Combine(consumer, "hls", "micro");
            Assert.True(File.Exists(Path.Combine(hls, "report.json")), "no HLS project at " + hls);
            var (code, output) = MatMulFree.Tests.Compiler.Hls.HlsHarness.BuildAndRun(hls, "micro_l2_h16_step");
            Assert.True(code == 0, output);
            Assert.Contains("PASS", output);
            (code, output) = MatMulFree.Tests.Compiler.Hls.HlsHarness.BuildAndRun(Path.Combine(consumer, "hls", hostile), "micro_l2_h16_step");
            Assert.True(code == 0, output);
            Assert.False(File.Exists(Path.Combine(consumer, "A")) || File.Exists(Path.Combine(consumer, "B")), "a manifest's file name ran as a command");

            // NativeAOT for net10.0 with the package's instruction-set default (x86-64-v2, named as the
            // .NET 10 compiler names it): the executable, with the weights file embedded, runs from an empty
            // folder and prints the same bits.
            Dotnet("publish -c Release -r linux-x64 -p:PublishAot=true -o aot", consumer);
            string empty = Directory.CreateTempSubdirectory("mmf-aot-run-").FullName;
            var (exit, printed) = MatMulFree.Tests.Compiler.Hls.HlsHarness.Run(Path.Combine(consumer, "aot", "Consumer"), "", empty);
            Assert.True(exit == 0, printed);
            var native = printed.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Directory.Delete(empty, recursive: true);
            Assert.Equal(lines.Select(l => l.Trim()), native.Select(l => l.Trim()));

            // Names that would make no folder of their own under hls/ ("...mmf.json" is ".." without its
            // suffix: the project would go into the consumer's folder) are refused, and nothing is written.
            foreach (var name in new[] { "..mmf.json", "...mmf.json" })
            {
                File.Delete(Path.Combine(consumer, "models", hostile + ".mmf.json"));
                foreach (var other in Directory.GetFiles(Path.Combine(consumer, "models"), "*.mmf.json").Where(f => Path.GetFileName(f).StartsWith(".", StringComparison.Ordinal)))
                {
                    File.Delete(other);
                }
                File.Copy(TestData.Model("micro-l2-h16"), Path.Combine(consumer, "models", name));
                // Newer than the stamp of the last run, so that the incremental target runs again.
                File.SetLastWriteTimeUtc(Path.Combine(consumer, "models", name), DateTime.UtcNow);
                var (failed, log) = TryDotnet("build -c Release", consumer);
                Assert.True(failed != 0, log);
                Assert.Contains("MMF0100", log);
                Assert.False(File.Exists(Path.Combine(consumer, "README.md")) || File.Exists(Path.Combine(consumer, "hls", "README.md")), "an HLS project was written outside its folder");
            }
            _out.WriteLine($"consumer built from the one package and matched the generic runtime on {tokens.Length} steps");
        }
    }
}
