using System;
using System.Text;

namespace MatMulFree.Cli
{
    public static class Program
    {
        public static int Main(string[] args)
        {
            Console.OutputEncoding = new UTF8Encoding(false);
            // Piped text is a prompt (mmf generate); a terminal's stdin is not read.
            return MmfCommand.Run(args, Console.Out, Console.Error, Console.IsInputRedirected ? Console.In : null);
        }
    }
}
