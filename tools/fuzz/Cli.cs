using System;
using System.IO;
using System.Linq;
using MatMulFree.Cli;
using MatMulFree.Model.Text;

namespace MatMulFree.Fuzz
{
    /// <summary>Runs mmf in this process and judges its answer by the documented contract (README):
    /// exit code 0, or 1 / 2 / 3 with a message of printable lines of bounded length; nothing else.</summary>
    public static class Cli
    {
        public sealed record Run(int Code, string Out, string Err);

        public static Run Mmf(params string[] args)
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int code = MmfCommand.Run(args, stdout, stderr);
            return new Run(code, stdout.ToString(), stderr.ToString());
        }

        /// <summary>
        /// Accepted for exit code 0; a clean error for <paramref name="expected"/> with a message whose
        /// lines are printable and bounded (and, when <paramref name="located"/> is given, that
        /// names that file with a line and column or its own path); a crash for anything else.
        /// </summary>
        public static Result Judge(Run run, int expected, string? located = null, long inputBytes = 0) =>
            Judge(run, new[] { expected }, located, inputBytes);

        public static Result Judge(Run run, int[] expected, string? located = null, long inputBytes = 0)
        {
            if (run.Code == MmfCommand.Ok)
            {
                return new Result(Outcome.Accepted, "", inputBytes);
            }
            string first = run.Err.Split('\n').FirstOrDefault(l => l.Length > 0) ?? "";
            if (Array.IndexOf(expected, run.Code) < 0)
            {
                return new Result(Outcome.Crash, $"exit code {run.Code}, expected {string.Join(" or ", expected)}: {first}", inputBytes);
            }
            if (run.Err.Contains("   at ", StringComparison.Ordinal) || run.Err.Contains("Exception", StringComparison.Ordinal))
            {
                return new Result(Outcome.Crash, "a stack trace or exception name on stderr: " + first, inputBytes);
            }
            foreach (var line in run.Err.Split('\n'))
            {
                if (line.Length > CliErrors.MaxLine + 10 || !DisplayText.IsInert(line.TrimEnd('\r')))
                {
                    return new Result(Outcome.Unlocated, $"a line of {line.Length} characters or with a control character", inputBytes);
                }
            }
            if (located != null && !run.Err.Contains(DisplayText.Of(located, 200), StringComparison.Ordinal) && !run.Err.Contains(Path.GetFileName(located), StringComparison.Ordinal))
            {
                return new Result(Outcome.Unlocated, "the message does not name the file: " + first, inputBytes);
            }
            return new Result(Outcome.Error, first, inputBytes);
        }
    }
}

namespace MatMulFree.Fuzz
{
    /// <summary>mmf as a process of its own, with its peak resident memory: the kernel's maximum resident set
    /// (ru_maxrss, through GNU time when /usr/bin/time is there), else VmHWM read from /proc while it runs.</summary>
    public static class MmfProcess
    {
        public static (Cli.Run Run, long PeakKiB) Start(params string[] args)
        {
            bool time = System.IO.File.Exists("/usr/bin/time");
            string report = System.IO.Path.GetTempFileName();
            var start = new System.Diagnostics.ProcessStartInfo(time ? "/usr/bin/time" : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            if (time)
            {
                foreach (var a in new[] { "-f", "%M", "-o", report, "dotnet" }) start.ArgumentList.Add(a);
            }
            start.ArgumentList.Add(System.IO.Path.Combine(System.AppContext.BaseDirectory, "mmf.dll"));
            foreach (var a in args) start.ArgumentList.Add(a);
            using var p = System.Diagnostics.Process.Start(start)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            long peak = 0;
            string status = $"/proc/{p.Id}/status";
            while (!p.WaitForExit(20))
            {
                try
                {
                    foreach (var line in System.IO.File.ReadLines(status))
                    {
                        if (line.StartsWith("VmHWM:", System.StringComparison.Ordinal))
                        {
                            peak = System.Math.Max(peak, long.Parse(line.Substring(6).Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture));
                        }
                    }
                }
                catch (System.Exception e) when (e is System.IO.IOException || e is System.UnauthorizedAccessException)
                {
                }
            }
            if (time)
            {
                string text = System.IO.File.ReadAllText(report).Trim();
                if (long.TryParse(text.Split('\n')[^1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long kib))
                {
                    peak = System.Math.Max(peak, kib);
                }
            }
            System.IO.File.Delete(report);
            return (new Cli.Run(p.ExitCode, stdout.Result, stderr.Result), peak);
        }
    }
}
