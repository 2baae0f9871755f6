using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace MatMulFree.Fuzz
{
    /// <summary>What one case came to.</summary>
    public enum Outcome
    {
        /// <summary>Refused with a clear, located message and the documented exit code.</summary>
        Error,
        /// <summary>Accepted, and what it produced checked (it loads, compiles, runs).</summary>
        Accepted,
        /// <summary>An exception that is not a documented error, a wrong exit code, a process that died.</summary>
        Crash,
        /// <summary>No result within the case's time.</summary>
        Hang,
        /// <summary>Text from the input became code (it ran, or it is outside literals and comments).</summary>
        Injection,
        /// <summary>A previous output is gone or damaged without a complete new one in its place.</summary>
        DataLoss,
        /// <summary>Refused, but the message lacks its place or is not one bounded, printable line.</summary>
        Unlocated,
    }

    /// <summary>A case's outcome, a sentence about it, the size of its input, and the peak memory of the
    /// process it ran in when the case measured it itself (0: the child's own peak stands for it).</summary>
    public sealed record Result(Outcome Outcome, string Detail = "", long InputBytes = 0, long PeakKiB = 0);

    /// <summary>The outcomes of one class of inputs, and the first few failing cases to reproduce.</summary>
    internal sealed class Tally
    {
        private readonly Dictionary<Outcome, int> _counts = new Dictionary<Outcome, int>();
        private readonly List<string> _failures = new List<string>();

        public Tally(FuzzClass fuzzClass) => Class = fuzzClass;

        public FuzzClass Class { get; }
        public int Inputs => _counts.Values.Sum();
        public int Count(Outcome o) => _counts.TryGetValue(o, out int n) ? n : 0;
        public int Failures => Inputs - Count(Outcome.Error) - Count(Outcome.Accepted) + (PeakKiB > BoundKiB ? 1 : 0);
        public long PeakKiB { get; private set; }
        public long LargestInput { get; private set; }
        public long BoundKiB => Class.MemoryBoundKiB(LargestInput);
        public IReadOnlyList<string> FailingCases => _failures;

        public void Add(int index, Outcome outcome, string detail)
        {
            _counts[outcome] = Count(outcome) + 1;
            if (outcome != Outcome.Error && outcome != Outcome.Accepted && _failures.Count < 10)
            {
                _failures.Add($"{Class.Name} case {index}: {outcome}: {detail}");
            }
        }

        public void Peak(long kib, long largestInput)
        {
            PeakKiB = Math.Max(PeakKiB, kib);
            LargestInput = Math.Max(LargestInput, largestInput);
        }

        public static string Markdown(IReadOnlyList<Tally> tallies, string profile, int seed)
        {
            var c = CultureInfo.InvariantCulture;
            var sb = new StringBuilder();
            sb.Append($"mmf-fuzz, profile {profile}, seed {seed}\n\n");
            sb.Append("| class | inputs | clean errors | accepted | crashes | hangs | injections | data loss | unlocated | peak memory | bound |\n");
            sb.Append("|---|---|---|---|---|---|---|---|---|---|---|\n");
            foreach (var t in tallies)
            {
                sb.Append(string.Format(c, "| {0} | {1:N0} | {2:N0} | {3:N0} | {4} | {5} | {6} | {7} | {8} | {9:N0} MiB | {10:N0} MiB{11} |\n",
                    t.Class.Name, t.Inputs, t.Count(Outcome.Error), t.Count(Outcome.Accepted), t.Count(Outcome.Crash), t.Count(Outcome.Hang),
                    t.Count(Outcome.Injection), t.Count(Outcome.DataLoss), t.Count(Outcome.Unlocated), t.PeakKiB / 1024, t.BoundKiB / 1024,
                    t.PeakKiB > t.BoundKiB ? " EXCEEDED" : ""));
            }
            sb.Append('\n');
            foreach (var t in tallies)
            {
                sb.Append($"- {t.Class.Name}: {t.Class.Description}\n");
            }
            var failing = tallies.SelectMany(t => t.FailingCases).ToList();
            if (failing.Count > 0)
            {
                sb.Append("\nFailing cases (rerun one with --child CLASS --seed SEED --from CASE --count 1):\n\n");
                foreach (var f in failing)
                {
                    sb.Append("- ").Append(f).Append('\n');
                }
            }
            return sb.ToString();
        }
    }
}
