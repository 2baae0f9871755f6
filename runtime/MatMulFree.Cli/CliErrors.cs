using System;
using System.IO;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Checkpoints;
using MatMulFree.Runtime.Tokenization;

namespace MatMulFree.Cli
{
    /// <summary>Runs a command body and turns its failures into a message on
    /// stderr and the documented exit code, never a stack trace.</summary>
    internal static class CliErrors
    {
        public static int Guard(TextWriter stderr, Func<int> body)
        {
            try
            {
                return body();
            }
            catch (ManifestException e)
            {
                stderr.WriteLine("mmf: invalid manifest:");
                stderr.WriteLine(e.Message);
                return MmfCommand.InputError;
            }
            catch (CheckpointException e)
            {
                stderr.WriteLine("mmf: invalid checkpoint: " + e.Message);
                return MmfCommand.InputError;
            }
            catch (TokenizerFileException e)
            {
                stderr.WriteLine("mmf: invalid tokenizer: " + e.Message);
                return MmfCommand.InputError;
            }
            catch (UsageException e)
            {
                stderr.WriteLine("mmf: " + e.Message);
                return MmfCommand.UsageError;
            }
            catch (ArgumentException e)
            {
                stderr.WriteLine("mmf: " + e.Message);
                return MmfCommand.UsageError;
            }
            catch (OutputException e)
            {
                stderr.WriteLine("mmf: cannot write output: " + e.Message);
                return MmfCommand.OutputError;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                stderr.WriteLine("mmf: " + e.Message);
                return MmfCommand.InputError;
            }
        }
    }

    /// <summary>A command-line value that makes no sense (exit code 1).</summary>
    internal sealed class UsageException : Exception
    {
        public UsageException(string message) : base(message)
        {
        }
    }

    /// <summary>An output file that cannot be written (exit code 3).</summary>
    internal sealed class OutputException : Exception
    {
        public OutputException(string message, Exception inner) : base(message, inner)
        {
        }
    }
}
