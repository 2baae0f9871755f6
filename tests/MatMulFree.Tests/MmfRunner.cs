using System.IO;
using MatMulFree.Cli;

namespace MatMulFree.Tests
{
    /// <summary>mmf, run in process, for the tests of every command.</summary>
    internal static class MmfRunner
    {
        /// <summary>Runs mmf in-process with captured stdout and stderr.</summary>
        public static (int Code, string Out, string Err) Run(params string[] args) => RunPiped(null, args);

        /// <summary>Runs mmf in-process with <paramref name="stdin"/> piped to it (null: nothing piped, a terminal).</summary>
        public static (int Code, string Out, string Err) RunPiped(string? stdin, params string[] args)
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int code = MmfCommand.Run(args, stdout, stderr, stdin == null ? null : new StringReader(stdin));
            return (code, stdout.ToString(), stderr.ToString());
        }
    }
}
