using System;
using System.IO;
using System.Linq;
using System.Text;

namespace MatMulFree.Fuzz
{
    /// <summary>
    /// The committed Hugging Face checkpoints (single file F32, three BF16 shards with an index, F16)
    /// with one file damaged: config.json, tokenizer.json, the index, a safetensors header (as text
    /// or as bytes, its length field included) or its data; converted with `mmf convert` inline or
    /// external. Each is refused with a message (exit code 2) or converted into a manifest that reads back.
    /// </summary>
    public sealed class CheckpointFuzz : FuzzClass
    {
        private static readonly string[] Checkpoints = { "tiny-f32", "tiny-bf16-sharded", "micro-f16" };

        public override string Name => "checkpoint";
        public override string Description => "committed HF checkpoints with config.json, tokenizer.json, index or a safetensors header/data damaged; mmf convert, then inspect when converted";
        public override int CiCount => 300;
        public override int FullCount => 6000;

        public override Result Run(int index, Random random, string dir)
        {
            string folder = Path.Combine(dir, "hf");
            Repository.CopyFolder(Repository.Checkpoint(Checkpoints[index % Checkpoints.Length]), folder);
            var files = Directory.GetFiles(folder).OrderBy(f => f, StringComparer.Ordinal).ToArray();
            string target = files[random.Next(files.Length)];
            long size = new FileInfo(target).Length;
            if (target.EndsWith(".safetensors", StringComparison.Ordinal))
            {
                var bytes = File.ReadAllBytes(target);
                int headerEnd = 8 + (int)BitConverter.ToUInt64(bytes, 0);
                if (random.Next(2) == 0)
                {
                    // The header as text: its JSON damaged, its length field written to match.
                    string header = Encoding.UTF8.GetString(bytes, 8, headerEnd - 8);
                    var damaged = Encoding.UTF8.GetBytes(Mutations.Text(header, random));
                    File.WriteAllBytes(target, BitConverter.GetBytes((ulong)damaged.Length).Concat(damaged).Concat(bytes.Skip(headerEnd)).ToArray());
                }
                else
                {
                    File.WriteAllBytes(target, Mutations.Bytes(bytes, random, random.Next(4) == 0 ? bytes.Length : headerEnd));
                }
            }
            else
            {
                File.WriteAllText(target, Mutations.Text(File.ReadAllText(target), random));
            }
            string output = Path.Combine(dir, "out.mmf.json");
            var run = Cli.Mmf("convert", folder, "-o", output, "--weights", random.Next(2) == 0 ? "inline" : "external");
            var result = Cli.Judge(run, 2, null, size);
            if (result.Outcome != Outcome.Accepted)
            {
                return result;
            }
            var back = Cli.Mmf("inspect", output);
            return back.Code == 0
                ? result
                : new Result(Outcome.Crash, "convert reported success but its manifest does not read back: " + back.Err.Split('\n')[0], size);
        }
    }
}
