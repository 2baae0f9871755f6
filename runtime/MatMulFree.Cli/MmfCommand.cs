using System;
using System.CommandLine;
using System.IO;

namespace MatMulFree.Cli
{
    /// <summary>
    /// The <c>mmf</c> command line. Exit codes: 0 success; 1 a bad command line
    /// or option value; 2 an input file that cannot be used (missing, not a valid
    /// manifest); 3 an output that cannot be written.
    /// </summary>
    public static class MmfCommand
    {
        public const int Ok = 0;
        public const int UsageError = 1;
        public const int InputError = 2;
        public const int OutputError = 3;

        /// <param name="stdin">What is piped to the command (null when nothing is: a terminal).</param>
        public static int Run(string[] args, TextWriter stdout, TextWriter stderr, TextReader? stdin = null)
        {
            var root = new RootCommand("mmf: inspect, run and compile ternary MatMul-free language models (HGRN-Bit manifests).");
            root.Subcommands.Add(InspectCommand.Create(stdout, stderr));
            root.Subcommands.Add(GenerateCommand.Create(stdout, stderr, stdin));
            root.Subcommands.Add(ChatCommand.Create(stdout, stderr, stdin));
            root.Subcommands.Add(LogitsCommand.Create(stdout, stderr));
            root.Subcommands.Add(HlsCommand.Create(stdout, stderr));
            root.Subcommands.Add(ConvertCommand.Create(stdout, stderr));
            root.Subcommands.Add(BenchCommand.Create(stdout, stderr));
            var errors = new DisplayWriter(stderr);
            var config = new InvocationConfiguration { Output = stdout, Error = errors, EnableDefaultExceptionHandler = false };
            // An argument that starts with '@' is text (a prompt, a path), never a file of arguments
            // to read: response files would let an argument name a file whose lines become options.
            var parsing = new ParserConfiguration { ResponseFileTokenReplacer = null };
            try
            {
                return root.Parse(args, parsing).Invoke(config);
            }
            catch (Exception e)
            {
                // Any failure an action did not classify: one line, no stack trace.
                CliErrors.WriteLine(stderr, "mmf: error: " + e.Message);
                return InputError;
            }
            finally
            {
                errors.Flush();
            }
        }
    }
}
