using System;
using System.IO;
using System.Text.Json.Nodes;
using System.Threading;

namespace MatMulFree.Fuzz
{
    /// <summary>
    /// Special files and links where model files are expected (docs/security.md, "Files"): devices,
    /// pipes, /proc files, folders and empty files as manifests, weights files, configs and
    /// tokenizers; weights paths through links out of the manifest's folder, to /dev/zero, in a
    /// loop; a Hugging Face cache snapshot of links into its blobs (accepted); and files swapped for
    /// a pipe or a link while mmf opens them. Each ends at once in a located error or, for the
    /// legitimate layouts, is accepted; none hangs, none reads what it should not.
    /// </summary>
    public sealed class FileFuzz : FuzzClass
    {
        private const int Kinds = 14;

        public override string Name => "files";
        public override string Description => "devices, pipes, /proc, folders, empty files, escaping and looping links, HF cache links, pipe and link swaps during open";
        public override int CiCount => 2 * Kinds;
        public override int FullCount => 20 * Kinds;
        public override TimeSpan CaseTimeout => TimeSpan.FromSeconds(30);

        public override Result Run(int index, Random random, string dir)
        {
            if (!OperatingSystem.IsLinux())
            {
                return new Result(Outcome.Accepted, "not Linux: skipped");
            }
            switch (index % Kinds)
            {
                case 0: return Inspect("/dev/zero");
                case 1: return Inspect(Fixtures.Fifo(Path.Combine(dir, "m.mmf.json")));
                case 2: return Inspect("/proc/self/status");
                case 3: return Inspect(dir);
                case 4:
                    File.WriteAllText(Path.Combine(dir, "e.mmf.json"), "");
                    return Inspect(Path.Combine(dir, "e.mmf.json"));
                case 5:
                    {
                        var (manifest, weights) = Fixtures.External(dir);
                        File.Delete(weights);
                        Fixtures.Fifo(weights);
                        return Inspect(manifest);
                    }
                case 6: return Weights(dir, "r/etc/hostname", () => File.CreateSymbolicLink(Path.Combine(dir, "r"), "/"));
                case 7: return Weights(dir, "zero.mmfw", () => File.CreateSymbolicLink(Path.Combine(dir, "zero.mmfw"), "/dev/zero"));
                case 8:
                    return Weights(dir, "a.mmfw", () =>
                    {
                        File.CreateSymbolicLink(Path.Combine(dir, "a.mmfw"), "b.mmfw");
                        File.CreateSymbolicLink(Path.Combine(dir, "b.mmfw"), "a.mmfw");
                    });
                case 9:
                    {
                        // A link inside the folder is a legitimate layout: accepted.
                        var (manifest, weights) = Fixtures.External(dir);
                        Directory.CreateDirectory(Path.Combine(dir, "blobs"));
                        File.Move(weights, Path.Combine(dir, "blobs", "x"));
                        File.CreateSymbolicLink(weights, "blobs/x");
                        return Cli.Judge(Cli.Mmf("inspect", manifest), 2, manifest);
                    }
                case 10: return Snapshot(dir, outside: false);
                case 11: return Snapshot(dir, outside: true);
                case 12: return Swap(dir, random, link: false);
                default: return Swap(dir, random, link: true);
            }
        }

        private static Result Inspect(string path)
        {
            var result = Cli.Judge(Cli.Mmf("inspect", path), 2, path);
            return result.Outcome == Outcome.Accepted ? new Result(Outcome.Crash, "a special file was accepted as a manifest") : result;
        }

        /// <summary>The external manifest with its weights path replaced, after <paramref name="arrange"/> made it point somewhere.</summary>
        private static Result Weights(string dir, string path, Action arrange)
        {
            var (manifest, weights) = Fixtures.External(dir);
            File.Move(weights, Path.Combine(Path.GetTempPath(), "mmf-fuzz-moved-" + Guid.NewGuid().ToString("N")));
            arrange();
            var root = JsonNode.Parse(File.ReadAllText(manifest))!.AsObject();
            root["weights"]!["path"] = path;
            File.WriteAllText(manifest, root.ToJsonString());
            var run = Cli.Mmf("inspect", manifest);
            var result = Cli.Judge(run, 2, manifest);
            if (result.Outcome == Outcome.Accepted)
            {
                return new Result(Outcome.Crash, "a weights path out of the folder was accepted");
            }
            return run.Err.Contains("sha256 ", StringComparison.Ordinal) && !run.Err.Contains("the manifest says", StringComparison.Ordinal)
                ? new Result(Outcome.Injection, "the error tells the hash of a file outside the folder")
                : result;
        }

        /// <summary>A Hugging Face cache snapshot (files are links into ../../blobs); with one link leading out of the repository.</summary>
        private static Result Snapshot(string dir, bool outside)
        {
            string repository = Path.Combine(dir, "models--org--tiny");
            string snapshot = Path.Combine(repository, "snapshots", "abc");
            Directory.CreateDirectory(snapshot);
            Directory.CreateDirectory(Path.Combine(repository, "blobs"));
            int k = 0;
            foreach (var file in Directory.GetFiles(Repository.Checkpoint("tiny-f32")))
            {
                string blob = Path.Combine(repository, "blobs", "b" + k++);
                File.Copy(file, blob);
                File.CreateSymbolicLink(Path.Combine(snapshot, Path.GetFileName(file)), "../../blobs/" + Path.GetFileName(blob));
            }
            if (outside)
            {
                string secret = Path.Combine(dir, "secret.json");
                File.WriteAllText(secret, "{\"token\": \"do not show\"}");
                File.Delete(Path.Combine(snapshot, "tokenizer.json"));
                File.CreateSymbolicLink(Path.Combine(snapshot, "tokenizer.json"), secret);
            }
            var run = Cli.Mmf("convert", snapshot, "-o", Path.Combine(dir, "out.mmf.json"));
            var result = Cli.Judge(run, 2);
            if (outside && (result.Outcome == Outcome.Accepted || run.Err.Contains("do not show", StringComparison.Ordinal)))
            {
                return new Result(Outcome.Crash, "a link out of the repository was followed");
            }
            if (!outside && result.Outcome != Outcome.Accepted)
            {
                return new Result(Outcome.Crash, "a Hugging Face cache snapshot was refused: " + run.Err.Split('\n')[0]);
            }
            return result;
        }

        /// <summary>While mmf opens a manifest's weights file again and again, another thread swaps it for a pipe
        /// (or for a link to a pipe outside the folder) and back, by renames: each open ends, none waits on the pipe.</summary>
        private static Result Swap(string dir, Random random, bool link)
        {
            var (manifest, weights) = Fixtures.External(dir);
            string good = weights + ".good";
            File.Copy(weights, good);
            string bad = weights + ".bad";
            if (link)
            {
                string outside = Path.Combine(Path.GetTempPath(), "mmf-fuzz-pipe-" + Guid.NewGuid().ToString("N"));
                Fixtures.Fifo(outside);
                File.CreateSymbolicLink(bad, outside);
            }
            else
            {
                Fixtures.Fifo(bad);
            }
            using var stop = new CancellationTokenSource();
            // File.Copy of a pipe would block: the bad file is moved in by rename of a second copy of its link instead.
            var swapper = new Thread(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        File.Copy(good, weights + ".spare", overwrite: true);
                        File.Move(weights + ".spare", weights, overwrite: true);
                        if (link)
                        {
                            File.CreateSymbolicLink(weights + ".link", File.ResolveLinkTarget(bad, false)!.FullName);
                            File.Move(weights + ".link", weights, overwrite: true);
                        }
                        else
                        {
                            File.Move(bad, weights, overwrite: true);
                            Fixtures.Fifo(bad);
                        }
                    }
                    catch (IOException)
                    {
                    }
                }
            }) { IsBackground = true };
            swapper.Start();
            int accepted = 0, refused = 0;
            try
            {
                for (int k = 0; k < 40; k++)
                {
                    var result = Cli.Judge(Cli.Mmf("inspect", manifest), 2, manifest);
                    if (result.Outcome == Outcome.Accepted) accepted++;
                    else if (result.Outcome == Outcome.Error) refused++;
                    else return result;
                }
            }
            finally
            {
                stop.Cancel();
                swapper.Join();
            }
            return new Result(Outcome.Error, $"{accepted} accepted, {refused} refused while the file was swapped");
        }
    }
}
