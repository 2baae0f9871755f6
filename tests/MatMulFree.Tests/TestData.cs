using System;
using System.IO;

namespace MatMulFree.Tests
{
    /// <summary>Paths of the committed test data (tests/data), found from the repository root.</summary>
    internal static class TestData
    {
        public static readonly string Root = FindRoot();

        public static string Models => Path.Combine(Root, "tests", "data", "models");
        public static string Golden => Path.Combine(Root, "tests", "data", "golden");

        /// <summary>The committed reference models, by file name without ".mmf.json".</summary>
        public static readonly string[] ModelNames = { "micro-l2-h16", "tiny-l2-h64", "tiny-l3-h96" };

        /// <summary>A committed manifest: a test model (tests/data/models) or a sample (samples/models).</summary>
        public static string Model(string name)
        {
            string test = Path.Combine(Models, name + ".mmf.json");
            return File.Exists(test) ? test : Path.Combine(Root, "samples", "models", name + ".mmf.json");
        }

        public static string ModelText(string name) => File.ReadAllText(Model(name));

        private static string FindRoot()
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Compiler.sln")))
            {
                dir = dir.Parent;
            }
            return dir?.FullName ?? throw new InvalidOperationException("repository root (Compiler.sln) not found above " + AppContext.BaseDirectory);
        }
    }
}
