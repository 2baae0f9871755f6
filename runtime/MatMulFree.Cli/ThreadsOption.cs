using System;
using System.CommandLine;

namespace MatMulFree.Cli
{
    /// <summary><c>--threads N</c>: how many threads a large layer's rows are split across, all cores by default.
    /// The default is the description's ("default: all cores"), not a value of the option: help would
    /// otherwise say it twice, once as this machine's core count.</summary>
    internal static class ThreadsOption
    {
        public static Option<int?> Create(string description) => new Option<int?>("--threads")
        {
            Description = description,
        };

        /// <summary>The value, checked: 1 to 256 (what <see cref="MatMulFree.Runtime.Kernels.RowWorkers"/> accepts); all cores when not given.</summary>
        public static int Get(ParseResult parse, Option<int?> option)
        {
            int threads = parse.GetValue(option) ?? Environment.ProcessorCount;
            if (threads < 1 || threads > 256)
            {
                throw new UsageException($"--threads must be 1 to 256, got {threads}");
            }
            return threads;
        }
    }
}
