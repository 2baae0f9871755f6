using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace MatMulFree.Fuzz
{
    /// <summary>One class of hostile inputs: how many cases, how long one may take, how much memory
    /// its process may use, and how to make and judge case number k.</summary>
    public abstract class FuzzClass
    {
        public abstract string Name { get; }
        public abstract string Description { get; }
        public abstract int CiCount { get; }
        public abstract int FullCount { get; }
        public virtual TimeSpan CaseTimeout => TimeSpan.FromSeconds(60);

        /// <summary>True when the cases run mmf as processes of their own and report those processes' peak memory.</summary>
        public virtual bool MeasuresItsProcesses => false;

        /// <summary>The bound on the process's peak resident memory, given its largest input.</summary>
        public virtual long MemoryBoundKiB(long largestInput) => 512 * 1024 + 4 * largestInput / 1024;

        /// <summary>Makes case <paramref name="index"/> from <paramref name="random"/> in <paramref name="dir"/>, runs and judges it.</summary>
        public abstract Result Run(int index, Random random, string dir);
    }

    public static class FuzzClasses
    {
        public static readonly IReadOnlyList<FuzzClass> All = new FuzzClass[]
        {
            new ManifestFuzz(), new CheckpointFuzz(), new GeneratorFuzz(), new HlsFuzz(), new FileFuzz(), new KillFuzz(), new MemoryFuzz(),
        };

        public static FuzzClass ByName(string name) =>
            All.FirstOrDefault(c => c.Name == name) ?? throw new ArgumentException($"no class {name}: {string.Join(", ", All.Select(c => c.Name))}");
    }

    /// <summary>Where the repository's committed models and checkpoints are.</summary>
    public static class Repository
    {
        public static string Root { get; } = Find();

        /// <summary>The first folder with Compiler.sln above the program, or above the current folder.</summary>
        private static string Find()
        {
            foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
            {
                for (var d = new DirectoryInfo(start); d != null; d = d.Parent)
                {
                    if (File.Exists(Path.Combine(d.FullName, "Compiler.sln")))
                    {
                        return d.FullName;
                    }
                }
            }
            throw new DirectoryNotFoundException("the repository (Compiler.sln) is not above " + AppContext.BaseDirectory + " or the current folder");
        }

        public static string Model(string name) =>
            new[] { Path.Combine(Root, "tests", "data", "models", name + ".mmf.json"), Path.Combine(Root, "samples", "models", name + ".mmf.json") }.First(File.Exists);

        public static string Checkpoint(string name) => Path.Combine(Root, "tests", "data", "hf", name);

        public static void CopyFolder(string from, string to)
        {
            Directory.CreateDirectory(to);
            foreach (var file in Directory.GetFiles(from))
            {
                File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
            }
        }
    }
}
