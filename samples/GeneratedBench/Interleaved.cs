using System;

namespace GeneratedBench;

/// <summary>
/// Medians of measurements taken in turn, round by round, the order reversed every other round
/// (A, B, C, C, B, A, ...) so that no variant always runs after the same one: on a shared host
/// whose speed drifts by up to 30 % within a minute, variants timed one after the other can land
/// on either side of a drift; taken in turn over many short rounds, every variant sees it alike,
/// and their ratio holds.
/// </summary>
internal static class Interleaved
{
    /// <param name="measure">One round of each variant, returning its figure (time per call, tokens/s).</param>
    public static double[] Medians(int rounds, params Func<double>[] measure)
    {
        var samples = new double[measure.Length][];
        for (int m = 0; m < measure.Length; m++) samples[m] = new double[rounds];
        for (int round = 0; round < rounds; round++)
        {
            for (int k = 0; k < measure.Length; k++)
            {
                int m = round % 2 == 0 ? k : measure.Length - 1 - k;
                samples[m][round] = measure[m]();
            }
        }
        var medians = new double[measure.Length];
        for (int m = 0; m < measure.Length; m++)
        {
            Array.Sort(samples[m]);
            medians[m] = samples[m][rounds / 2];
        }
        return medians;
    }
}
