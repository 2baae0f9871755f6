using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace MatMulFree.Fuzz
{
    /// <summary>
    /// mmf-fuzz: runs classes of hostile model files against every entry point and prints a
    /// table per class (inputs, clean errors, accepted, crashes, hangs, injections, data loss,
    /// peak memory against its bound). Exit code 0 when nothing failed, 1 otherwise.
    /// <code>
    ///   dotnet run --project tools/fuzz -c Release [-- --profile ci|full] [--classes manifest,hls] [--seed N] [--markdown FILE]
    /// </code>
    /// The driver runs each class's cases in child processes (this program with --child) and
    /// watches them: a child that dies mid-case is a crash of that case, one that makes no
    /// progress for <see cref="FuzzClass.CaseTimeout"/> a hang; a child reports its peak
    /// resident memory (VmHWM) when it ends. A failing case is rerun alone with
    /// <c>--child CLASS --seed N --from K --count 1</c>.
    /// </summary>
    public static class Program
    {
        public static int Main(string[] args)
        {
            var options = Options.Parse(args);
            if (options.Child != null)
            {
                return Child.Run(FuzzClasses.ByName(options.Child), options.Seed, options.From, options.Count);
            }
            var table = new List<Tally>();
            foreach (var fuzzClass in FuzzClasses.All.Where(c => options.Classes == null || options.Classes.Contains(c.Name)))
            {
                int count = options.Profile == "full" ? fuzzClass.FullCount : fuzzClass.CiCount;
                var tally = Driver.Run(fuzzClass, options.Seed, count);
                table.Add(tally);
                Console.Error.WriteLine($"{fuzzClass.Name}: {tally.Inputs} inputs, {tally.Failures} failing");
            }
            string markdown = Tally.Markdown(table, options.Profile, options.Seed);
            Console.WriteLine(markdown);
            if (options.Markdown != null)
            {
                File.WriteAllText(options.Markdown, markdown);
            }
            return table.All(t => t.Failures == 0) ? 0 : 1;
        }
    }

    internal sealed class Options
    {
        public string Profile { get; private set; } = "ci";
        public HashSet<string>? Classes { get; private set; }
        public int Seed { get; private set; } = 20261201;
        public string? Markdown { get; private set; }
        public string? Child { get; private set; }
        public int From { get; private set; }
        public int Count { get; private set; } = 1;

        public static Options Parse(string[] args)
        {
            var o = new Options();
            for (int k = 0; k < args.Length; k++)
            {
                string Next() => k + 1 < args.Length ? args[++k] : throw new ArgumentException($"{args[k]} needs a value");
                switch (args[k])
                {
                    case "--profile": o.Profile = Next(); break;
                    case "--classes": o.Classes = new HashSet<string>(Next().Split(',', StringSplitOptions.RemoveEmptyEntries)); break;
                    case "--seed": o.Seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--markdown": o.Markdown = Next(); break;
                    case "--child": o.Child = Next(); break;
                    case "--from": o.From = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--count": o.Count = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    default: throw new ArgumentException($"unknown argument {args[k]} (see the comment at the top of tools/fuzz/Program.cs)");
                }
            }
            if (o.Profile != "ci" && o.Profile != "full")
            {
                throw new ArgumentException("--profile is ci or full");
            }
            return o;
        }
    }

    /// <summary>Runs one class's cases in child processes and tallies what happened.</summary>
    internal static class Driver
    {
        public static Tally Run(FuzzClass fuzzClass, int seed, int count)
        {
            var tally = new Tally(fuzzClass);
            int next = 0;
            while (next < count)
            {
                next = RunChild(fuzzClass, seed, next, count - next, tally);
            }
            return tally;
        }

        /// <summary>One child from case <paramref name="from"/>; returns the next case to run.</summary>
        private static int RunChild(FuzzClass fuzzClass, int seed, int from, int count, Tally tally)
        {
            string self = typeof(Program).Assembly.Location;
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in new[] { "exec", self, "--child", fuzzClass.Name, "--seed", seed.ToString(CultureInfo.InvariantCulture),
                         "--from", from.ToString(CultureInfo.InvariantCulture), "--count", count.ToString(CultureInfo.InvariantCulture) })
            {
                start.ArgumentList.Add(a);
            }
            using var child = Process.Start(start)!;
            var stderr = new StringBuilder();
            child.ErrorDataReceived += (_, e) => { if (e.Data != null && stderr.Length < 4000) stderr.AppendLine(e.Data); };
            child.BeginErrorReadLine();
            int current = -1;
            var lines = new System.Collections.Concurrent.BlockingCollection<string?>();
            var reader = new System.Threading.Thread(() =>
            {
                string? line;
                while ((line = child.StandardOutput.ReadLine()) != null)
                {
                    lines.Add(line);
                }
                lines.Add(null);
            }) { IsBackground = true };
            reader.Start();
            while (true)
            {
                if (!lines.TryTake(out var line, fuzzClass.CaseTimeout))
                {
                    // No word from the child within the case's time: a hang.
                    try { child.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                    child.WaitForExit();
                    tally.Add(current, Outcome.Hang, $"no result after {fuzzClass.CaseTimeout.TotalSeconds:F0} s");
                    return current + 1;
                }
                if (line == null)
                {
                    child.WaitForExit();
                    if (current >= 0)
                    {
                        // The child died in the middle of a case.
                        tally.Add(current, Outcome.Crash, $"the process ended with exit code {child.ExitCode}: {stderr.ToString().Trim()}");
                        return current + 1;
                    }
                    return from + count;
                }
                var parts = line.Split('\t');
                switch (parts[0])
                {
                    case "start":
                        current = int.Parse(parts[1], CultureInfo.InvariantCulture);
                        break;
                    case "end":
                        tally.Add(int.Parse(parts[1], CultureInfo.InvariantCulture), Enum.Parse<Outcome>(parts[2]), parts.Length > 3 ? parts[3] : "");
                        current = -1;
                        break;
                    case "peak":
                        tally.Peak(long.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture));
                        break;
                }
            }
        }
    }

    /// <summary>The child's side: runs cases, one line each, and reports its peak memory.</summary>
    internal static class Child
    {
        public static int Run(FuzzClass fuzzClass, int seed, int from, int count)
        {
            string work = Directory.CreateTempSubdirectory("mmf-fuzz-" + fuzzClass.Name + "-").FullName;
            var stdout = Console.Out;
            long largest = 0;
            try
            {
                // What the code under test writes to the console is not the protocol.
                Console.SetOut(TextWriter.Null);
                for (int k = from; k < from + count; k++)
                {
                    stdout.WriteLine($"start\t{k}");
                    stdout.Flush();
                    var random = new Random(unchecked(seed * 31 + k * 7919 + fuzzClass.Name.Length * 104729 + fuzzClass.Name[0]));
                    string caseDir = Path.Combine(work, k.ToString(CultureInfo.InvariantCulture));
                    Directory.CreateDirectory(caseDir);
                    Result result;
                    try
                    {
                        result = fuzzClass.Run(k, random, caseDir);
                    }
                    catch (Exception e)
                    {
                        result = new Result(Outcome.Crash, "unexpected " + e.GetType().Name + ": " + Flatten(e.Message));
                    }
                    largest = Math.Max(largest, result.InputBytes);
                    stdout.WriteLine($"end\t{k}\t{result.Outcome}\t{Flatten(result.Detail)}");
                    if (result.PeakKiB > 0)
                    {
                        stdout.WriteLine($"peak\t{result.PeakKiB}\t{result.InputBytes}");
                    }
                    stdout.Flush();
                    TryDelete(caseDir);
                }
                // A class that measures the processes it starts reports their peaks with each case: this
                // process's own peak would count the inputs it made.
                stdout.WriteLine($"peak\t{(fuzzClass.MeasuresItsProcesses ? 0 : PeakResidentKiB())}\t{largest}");
                return 0;
            }
            finally
            {
                TryDelete(work);
            }
        }

        private static string Flatten(string s)
        {
            var sb = new StringBuilder();
            foreach (char c in s)
            {
                sb.Append(c < ' ' || c == '\u2028' || c == '\u2029' || c == '\u0085' ? ' ' : c);
                if (sb.Length > 300)
                {
                    sb.Append("...");
                    break;
                }
            }
            return sb.ToString();
        }

        private static void TryDelete(string dir)
        {
            try
            {
                // Links are deleted, never followed.
                Directory.Delete(dir, recursive: true);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
            }
        }

        /// <summary>The process's peak resident set (VmHWM), in KiB; 0 where /proc is not there.</summary>
        public static long PeakResidentKiB()
        {
            try
            {
                foreach (var line in File.ReadLines("/proc/self/status"))
                {
                    if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    {
                        return long.Parse(line.Substring(6).Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                    }
                }
            }
            catch (IOException)
            {
            }
            return 0;
        }
    }
}
