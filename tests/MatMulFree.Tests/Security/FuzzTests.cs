using System;
using System.Diagnostics;
using System.IO;
using Xunit;
using Xunit.Abstractions;

namespace MatMulFree.Tests.Security
{
    /// <summary>
    /// tools/fuzz in its CI profile: every class of hostile input (manifests, checkpoints, the
    /// generator, mmf hls, special files and links, kill -9 during convert, large inputs) with no
    /// crash, hang, injection, data loss, unlocated message, or memory above the class's bound.
    /// The table it prints is in the test's output.
    /// </summary>
    public sealed class FuzzTests
    {
        private readonly ITestOutputHelper _out;

        public FuzzTests(ITestOutputHelper output) => _out = output;

        [Fact]
        [Trait("Category", "Slow")]
        public async System.Threading.Tasks.Task The_ci_profile_finds_no_crash_hang_injection_data_loss_or_memory_beyond_its_bounds()
        {
            // The tool is built with the tests (a project reference); it runs from its own output folder.
            string configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
            string tool = Path.Combine(TestData.Root, "tools", "fuzz", "bin", configuration, "net10.0", "mmf-fuzz.dll");
            Assert.True(File.Exists(tool), "not built: " + tool);
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "exec", tool, "--profile", "ci" })
            {
                start.ArgumentList.Add(a);
            }
            using var p = Process.Start(start)!;
            var err = p.StandardError.ReadToEndAsync();
            string table = await p.StandardOutput.ReadToEndAsync();
            Assert.True(p.WaitForExit(TimeSpan.FromMinutes(10)), "the fuzzer did not finish in 10 minutes");
            _out.WriteLine(table);
            Assert.True(p.ExitCode == 0, table + await err);
            Assert.Contains("| manifest |", table);
            Assert.Contains("| memory |", table);
        }
    }
}
