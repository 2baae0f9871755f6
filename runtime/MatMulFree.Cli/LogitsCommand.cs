using System;
using System.CommandLine;
using System.IO;
using System.Runtime.InteropServices;
using MatMulFree.Model;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Files;
using MatMulFree.Runtime.Kernels;

namespace MatMulFree.Cli
{
    /// <summary><c>mmf logits MANIFEST --tokens 1,2,3 --out FILE</c>: the logits of
    /// every step as little-endian float32 [steps, vocab], for comparisons with
    /// other implementations.</summary>
    internal static class LogitsCommand
    {
        public static Command Create(TextWriter stdout, TextWriter stderr)
        {
            var manifest = ManifestArgument.Create();
            var tokens = new Option<string>("--tokens") { Description = "Comma-separated token ids, fed one step each from a fresh state.", Required = true };
            var output = new Option<string>("--out") { Description = "Output file: little-endian float32, [steps, vocab].", Required = true };
            var kernel = new Option<string>("--kernel") { Description = "Ternary kernel: simd (default) or scalar (the reference).", DefaultValueFactory = _ => "simd" };
            kernel.AcceptOnlyFromAmong("simd", "scalar");
            var command = new Command("logits", "Write the logits of a token sequence.") { manifest, tokens, output, kernel };
            command.SetAction(parse => CliErrors.Guard(stderr, () =>
            {
                // One signed byte per weight: the scalar reference, or its Vector<T> version on this machine's best path.
                var kernelPath = parse.GetValue(kernel) == "scalar" ? KernelPath.Scalar : (KernelPath?)null;
                var model = GenericModel.Load(parse.GetValue(manifest)!, ProductForm.Rows, path: kernelPath);
                int vocab = model.Architecture.Vocab;
                var ids = TokenList.Parse(parse.GetValue(tokens)!, vocab);
                string path = parse.GetValue(output)!;
                var state = model.CreateState();
                var logits = new float[vocab];
                try
                {
                    // Written beside the target and renamed into place when complete.
                    AtomicFile.Write(path, file =>
                    {
                        foreach (int id in ids)
                        {
                            model.Step(id, state, logits);
                            if (!BitConverter.IsLittleEndian)
                            {
                                throw new PlatformNotSupportedException("big-endian hosts are not supported");
                            }
                            file.Write(MemoryMarshal.AsBytes(logits.AsSpan()));
                        }
                    });
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    throw new OutputException($"{path}: {e.Message}", e);
                }
                stdout.WriteLine($"wrote {ids.Length} x {vocab} float32 logits to {path}");
                return MmfCommand.Ok;
            }));
            return command;
        }
    }
}
