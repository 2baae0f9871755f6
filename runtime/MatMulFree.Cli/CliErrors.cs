using System;
using System.IO;
using MatMulFree.Conversion;
using MatMulFree.Model.Text;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Tokenization;

namespace MatMulFree.Cli
{
    /// <summary>Runs a command body and turns its failures into a message on
    /// stderr and the documented exit code, never a stack trace. Messages quote model
    /// files (names, paths, keys): every line goes through <see cref="WriteLine"/>.</summary>
    public static class CliErrors
    {
        /// <summary>Longest line of a message: a hostile key or path cannot make it larger.</summary>
        public const int MaxLine = 2000;

        internal static int Guard(TextWriter stderr, Func<int> body)
        {
            try
            {
                return body();
            }
            catch (ManifestException e)
            {
                WriteLine(stderr, "mmf: invalid manifest:");
                WriteLine(stderr, e.Message);
                return MmfCommand.InputError;
            }
            catch (CheckpointException e)
            {
                WriteLine(stderr, "mmf: invalid checkpoint: " + e.Message);
                return MmfCommand.InputError;
            }
            catch (TokenizerFileException e)
            {
                WriteLine(stderr, "mmf: invalid tokenizer: " + e.Message);
                return MmfCommand.InputError;
            }
            catch (UsageException e)
            {
                WriteLine(stderr, "mmf: " + e.Message);
                return MmfCommand.UsageError;
            }
            catch (ArgumentException e)
            {
                WriteLine(stderr, "mmf: " + e.Message);
                return MmfCommand.UsageError;
            }
            catch (OutputException e)
            {
                WriteLine(stderr, "mmf: cannot write output: " + e.Message);
                return MmfCommand.OutputError;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is InvalidDataException)
            {
                WriteLine(stderr, "mmf: " + e.Message);
                return MmfCommand.InputError;
            }
        }

        /// <summary>Writes a message line by line, each through <see cref="DisplayText"/>: no terminal
        /// escape sequence or invisible character from a model file reaches the terminal, and no
        /// line is longer than <see cref="MaxLine"/>.</summary>
        public static void WriteLine(TextWriter writer, string message)
        {
            foreach (var line in message.Split('\n'))
            {
                writer.WriteLine(DisplayText.Of(line.TrimEnd('\r'), MaxLine));
            }
        }
    }

    /// <summary>System.CommandLine's error output (it quotes the arguments it refuses) through <see cref="CliErrors.WriteLine"/>.</summary>
    internal sealed class DisplayWriter : TextWriter
    {
        private readonly TextWriter _inner;
        private readonly System.Text.StringBuilder _line = new System.Text.StringBuilder();

        public DisplayWriter(TextWriter inner) => _inner = inner;

        public override System.Text.Encoding Encoding => _inner.Encoding;

        public override void Write(char value)
        {
            if (value == '\n')
            {
                CliErrors.WriteLine(_inner, _line.ToString());
                _line.Clear();
            }
            else if (_line.Length <= CliErrors.MaxLine)
            {
                _line.Append(value);
            }
        }

        public override void Flush()
        {
            if (_line.Length > 0)
            {
                CliErrors.WriteLine(_inner, _line.ToString());
                _line.Clear();
            }
            _inner.Flush();
        }

        protected override void Dispose(bool disposing)
        {
            Flush();
            base.Dispose(disposing);
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
