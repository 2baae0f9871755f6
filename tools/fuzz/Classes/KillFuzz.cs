using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using MatMulFree.Runtime;

namespace MatMulFree.Fuzz
{
    /// <summary>
    /// `mmf convert` killed (SIGKILL) at a random moment while it replaces a previous manifest and
    /// weights file with those of another checkpoint. Afterwards the folder must hold the previous
    /// pair unchanged, or a complete new pair that reads back; or, if the kill fell between the two
    /// renames (microseconds apart), the previous manifest with the previous weights file kept
    /// aside as .NAME.mmfw.old-XXXXXXXX (counted as a clean error: nothing is lost). Anything else
    /// is data loss.
    /// </summary>
    public sealed class KillFuzz : FuzzClass
    {
        private static readonly Lazy<(string A, string B, TimeSpan Time)> Checkpoints = new Lazy<(string, string, TimeSpan)>(() =>
        {
            string root = Directory.CreateTempSubdirectory("mmf-fuzz-kill-").FullName;
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(root, recursive: true);
            // About 40 MB of F32 each: a conversion takes long enough to be killed in any of its steps.
            string a = Fixtures.Checkpoint(Path.Combine(root, "a"), 4, 384, 1024, 1);
            string b = Fixtures.Checkpoint(Path.Combine(root, "b"), 4, 384, 1024, 2);
            var clock = Stopwatch.StartNew();
            var run = Mmf("convert", b, "-o", Path.Combine(root, "timing.mmf.json"), "--weights", "external");
            run.WaitForExit();
            return (a, b, clock.Elapsed);
        });

        public override string Name => "kill";
        public override string Description => "mmf convert over a previous pair, killed with SIGKILL at a random moment; the pair checked afterwards";
        public override int CiCount => 8;
        public override int FullCount => 200;
        public override TimeSpan CaseTimeout => TimeSpan.FromSeconds(120);

        public override Result Run(int index, Random random, string dir)
        {
            var (a, b, time) = Checkpoints.Value;
            string manifest = Path.Combine(dir, "m.mmf.json");
            string weights = Path.Combine(dir, "m.mmfw");
            var first = Mmf("convert", a, "-o", manifest, "--weights", "external");
            first.WaitForExit();
            if (first.ExitCode != 0)
            {
                return new Result(Outcome.Crash, "the first conversion failed: " + first.StandardError.ReadToEnd());
            }
            var oldManifest = File.ReadAllBytes(manifest);
            var oldWeights = Hash(weights);
            var second = Mmf("convert", b, "-o", manifest, "--weights", "external");
            // Half the kills anywhere in the run, half in its last fifth, where the files are put in place.
            double at = random.Next(2) == 0 ? random.NextDouble() * 1.1 : 0.8 + random.NextDouble() * 0.3;
            Thread.Sleep(TimeSpan.FromMilliseconds(at * time.TotalMilliseconds));
            try
            {
                second.Kill();
            }
            catch (InvalidOperationException)
            {
            }
            second.WaitForExit();
            bool oldManifestThere = File.Exists(manifest) && File.ReadAllBytes(manifest).AsSpan().SequenceEqual(oldManifest);
            if (oldManifestThere && File.Exists(weights) && Hash(weights) == oldWeights)
            {
                return new Result(Outcome.Accepted, $"the previous pair, unchanged (killed at {at:P0} of {time.TotalSeconds:F1} s)");
            }
            try
            {
                ManifestLoader.LoadDeferred(manifest, out var file);
                (file as IDisposable)?.Dispose();
                if (!oldManifestThere)
                {
                    return new Result(Outcome.Accepted, $"a complete new pair (killed at {at:P0} of {time.TotalSeconds:F1} s)");
                }
            }
            catch (Exception e) when (e is ManifestException || e is IOException)
            {
            }
            var aside = Directory.GetFiles(dir, ".m.mmfw.old-*");
            if (oldManifestThere && aside.Any(f => Hash(f) == oldWeights))
            {
                return new Result(Outcome.Error, "killed between the renames: the previous weights file is kept aside");
            }
            return new Result(Outcome.DataLoss, $"the previous pair is gone (manifest {(oldManifestThere ? "unchanged" : "changed")}, {aside.Length} aside)");
        }

        private static string Hash(string path)
        {
            using var f = File.OpenRead(path);
            return Convert.ToHexString(SHA256.HashData(f));
        }

        private static Process Mmf(params string[] args)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mmf.dll"));
            foreach (var a in args) start.ArgumentList.Add(a);
            return Process.Start(start)!;
        }
    }
}
