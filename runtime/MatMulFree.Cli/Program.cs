using System;
using System.Text;

namespace MatMulFree.Cli
{
    public static class Program
    {
        public static int Main(string[] args)
        {
            Console.OutputEncoding = new UTF8Encoding(false);
            return MmfCommand.Run(args, Console.Out, Console.Error);
        }
    }
}
