using System;
using System.IO;
using Xunit;

namespace MatMulFree.Tests
{
    /// <summary>
    /// Golden files of generated code (tests/MatMulFree.Tests/Baselines). A
    /// readability guard: a change to the emitted text fails until the baselines are
    /// rewritten on purpose with MMF_UPDATE_BASELINES=1 and the diff is reviewed.
    /// </summary>
    internal static class Baseline
    {
        public static string Directory => Path.Combine(TestData.Root, "tests", "MatMulFree.Tests", "Baselines");

        public static bool Updating => Environment.GetEnvironmentVariable("MMF_UPDATE_BASELINES") == "1";

        public static void Verify(string name, string actual)
        {
            string path = Path.Combine(Directory, name);
            if (Updating)
            {
                System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, actual);
                return;
            }
            Assert.True(File.Exists(path), $"no baseline {path}: run the tests once with MMF_UPDATE_BASELINES=1 and review it");
            string expected = File.ReadAllText(path).Replace("\r\n", "\n");
            if (expected != actual)
            {
                var e = expected.Split('\n');
                var a = actual.Split('\n');
                int line = 0;
                while (line < Math.Min(e.Length, a.Length) && e[line] == a[line]) line++;
                Assert.Fail($"{name} differs from its baseline at line {line + 1}:\n  baseline: {(line < e.Length ? e[line] : "<end>")}\n  actual:   {(line < a.Length ? a[line] : "<end>")}\n" +
                            "If the change is intended, run the tests with MMF_UPDATE_BASELINES=1 and review the diff.");
            }
        }
    }
}
