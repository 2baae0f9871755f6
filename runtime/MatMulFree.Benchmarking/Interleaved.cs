using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace MatMulFree.Benchmarking
{
    /// <summary>
    /// The timing harness of every benchmark here: variants measured in turn, sample by sample,
    /// the order reversed every other round (A, B, C, C, B, A, ...) so that no variant always
    /// runs after the same one, and each variant's median kept. On a shared host whose speed
    /// drifts by up to 30 % within a minute, variants timed one after the other can land on
    /// either side of a drift; taken in turn over many short samples, every variant sees it
    /// alike, and their ratio, which is what the tables report, holds.
    /// </summary>
    public static class Interleaved
    {
        /// <summary>Medians of <paramref name="rounds"/> rounds of each measurement (a round returns its
        /// figure: time per call, tokens/s).</summary>
        public static double[] Medians(int rounds, params Func<double>[] measure)
        {
            var samples = Samples(rounds, 0, measure);
            var medians = new double[measure.Length];
            for (int m = 0; m < measure.Length; m++) medians[m] = Median(samples[m]);
            return medians;
        }

        /// <summary>
        /// Every sample of each measurement, taken in turn: at least <paramref name="minRounds"/> rounds and
        /// as many more as <paramref name="minMilliseconds"/> allows (at most 10,000), for callers that
        /// report a spread beside the median (each list comes back sorted).
        /// </summary>
        public static List<double>[] Samples(int minRounds, double minMilliseconds, params Func<double>[] measure)
        {
            var samples = new List<double>[measure.Length];
            for (int m = 0; m < measure.Length; m++) samples[m] = new List<double>(minRounds);
            var total = Stopwatch.StartNew();
            for (int round = 0; (round < minRounds || total.Elapsed.TotalMilliseconds < minMilliseconds) && round < 10_000; round++)
            {
                for (int k = 0; k < measure.Length; k++)
                {
                    int m = round % 2 == 0 ? k : measure.Length - 1 - k;
                    samples[m].Add(measure[m]());
                }
            }
            foreach (var list in samples) list.Sort();
            return samples;
        }

        /// <summary>
        /// Median microseconds per call of each of <paramref name="calls"/>, their samples taken in
        /// turn over the same period: at least <paramref name="minMilliseconds"/> and 7 samples each,
        /// each sample enough calls to last 20 us, after 200 ms of warm-up calls each (tiered JIT
        /// compilation must have promoted the code first).
        /// </summary>
        public static double[] MicrosecondsPerCall(double minMilliseconds, params Action[] calls)
        {
            var repeat = new int[calls.Length];
            for (int m = 0; m < calls.Length; m++)
            {
                WarmUp(calls[m]);
                repeat[m] = Repeat(calls[m]);
            }
            var samples = new List<double>[calls.Length];
            for (int m = 0; m < calls.Length; m++) samples[m] = new List<double>();
            var total = Stopwatch.StartNew();
            for (int round = 0; (round < 7 || total.Elapsed.TotalMilliseconds < minMilliseconds) && round < 100_000; round++)
            {
                for (int k = 0; k < calls.Length; k++)
                {
                    int m = round % 2 == 0 ? k : calls.Length - 1 - k;
                    samples[m].Add(Sample(calls[m], repeat[m]));
                }
            }
            var medians = new double[calls.Length];
            for (int m = 0; m < calls.Length; m++) medians[m] = Median(samples[m]);
            return medians;
        }

        private static void WarmUp(Action call)
        {
            var warm = Stopwatch.StartNew();
            for (int k = 0; k < 3 || warm.ElapsedMilliseconds < 200; k++) call();
        }

        /// <summary>Calls per sample: enough to last at least 20 us, so that the timer's resolution does not matter.</summary>
        private static int Repeat(Action call)
        {
            int repeat = 1;
            while (true)
            {
                long begin = Stopwatch.GetTimestamp();
                for (int k = 0; k < repeat; k++) call();
                if (Stopwatch.GetElapsedTime(begin).TotalMilliseconds >= 0.02 || repeat >= 1 << 20) return repeat;
                repeat *= 2;
            }
        }

        private static double Sample(Action call, int repeat)
        {
            long start = Stopwatch.GetTimestamp();
            for (int k = 0; k < repeat; k++) call();
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds * 1000 / repeat;
        }

        /// <summary>The median of <paramref name="samples"/> (sorted in place).</summary>
        public static double Median(List<double> samples)
        {
            samples.Sort();
            return samples[samples.Count / 2];
        }
    }
}
