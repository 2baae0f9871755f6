using System;
using System.IO;
using System.Linq;
using System.Text;

namespace MatMulFree.Fuzz
{
    /// <summary>
    /// Inputs that are large within the documented limits and cheap to make: free-form metadata,
    /// unknown properties and keys of many megabytes in a manifest, a config.json, a safetensors
    /// header and a tokenizer.json of as much. Each is read with memory within the class's bound
    /// (a small multiple of the input: the reader keeps the text and at most a bounded table).
    /// Cases 0-6 are 16 MB each; the full profile repeats them at 100 MB.
    /// </summary>
    public sealed class MemoryFuzz : FuzzClass
    {
        private const int Kinds = 7;

        public override string Name => "memory";
        public override string Description => "16 MB (ci) and 100 MB (full) metadata, unknown properties, keys, config.json, safetensors header and tokenizer.json";
        public override int CiCount => Kinds;
        public override int FullCount => 2 * Kinds;
        public override TimeSpan CaseTimeout => TimeSpan.FromSeconds(300);
        public override bool MeasuresItsProcesses => true;

        /// <summary>Runs mmf as a process of its own and judges it, with that process's peak memory.</summary>
        private static Result Mmf(long inputBytes, bool? accepted, string? located, params string[] args)
        {
            var (run, peak) = MmfProcess.Start(args);
            var result = Cli.Judge(run, 2, located, inputBytes) with { PeakKiB = peak };
            if (accepted != null && accepted.Value != (result.Outcome == Outcome.Accepted))
            {
                return result with { Outcome = Outcome.Crash, Detail = (accepted.Value ? "refused: " : "accepted: ") + result.Detail };
            }
            return result;
        }

        public override Result Run(int index, Random random, string dir)
        {
            int megabytes = index < Kinds ? 16 : 100;
            int size = megabytes << 20;
            string numbers = Numbers(size);
            switch (index % Kinds)
            {
                case 0: return Manifest(dir, "\"metadata\": " + numbers, accepted: true);
                case 1: return Manifest(dir, "\"unknown\": " + numbers, accepted: false);
                case 2: return Manifest(dir, "\"" + new string('k', size) + "\": 1", accepted: false);
                case 3: return Manifest(dir, "\"tensors\": {\"model.norm.weight\": {\"junk\": " + numbers + "}}", accepted: false);
                case 4:
                    {
                        string hf = Path.Combine(dir, "hf");
                        Repository.CopyFolder(Repository.Checkpoint("tiny-f32"), hf);
                        // Under the 64 MiB a config.json may have, so that the JSON reader, not the size check, meets it.
                        string config = File.ReadAllText(Path.Combine(hf, "config.json"));
                        File.WriteAllText(Path.Combine(hf, "config.json"), config.Insert(config.IndexOf('{') + 1, "\"junk\": " + Numbers(Math.Min(size, 60 << 20)) + ","));
                        return Mmf(new FileInfo(Path.Combine(hf, "config.json")).Length, null, null, "convert", hf, "-o", Path.Combine(dir, "o.mmf.json"));
                    }
                case 5:
                    {
                        string hf = Path.Combine(dir, "hf");
                        Repository.CopyFolder(Repository.Checkpoint("tiny-f32"), hf);
                        var header = new StringBuilder("{");
                        for (int k = 0; header.Length < Math.Min(size, (100 << 20) - 100); k++)
                        {
                            header.Append($"\"t{k}\": {{\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}},");
                        }
                        header.Append("\"__metadata__\": {}}");
                        var bytes = Encoding.UTF8.GetBytes(header.ToString());
                        File.WriteAllBytes(Path.Combine(hf, "model.safetensors"), BitConverter.GetBytes((ulong)bytes.Length).Concat(bytes).Concat(new byte[4]).ToArray());
                        return Mmf(bytes.Length, false, null, "convert", hf, "-o", Path.Combine(dir, "o.mmf.json"));
                    }
                default:
                    {
                        string hf = Path.Combine(dir, "hf");
                        Repository.CopyFolder(Repository.Checkpoint("tiny-f32"), hf);
                        string tokenizer = File.ReadAllText(Path.Combine(hf, "tokenizer.json"));
                        int count = Math.Min(size, 60 << 20) / 6;
                        string merges = "[" + string.Join(",", Enumerable.Repeat("\"a b\"", count)) + "]";
                        int at = tokenizer.IndexOf("\"merges\"", StringComparison.Ordinal);
                        File.WriteAllText(Path.Combine(hf, "tokenizer.json"), tokenizer.Insert(at, "\"junk_merges\": " + merges + ","));
                        return Mmf(new FileInfo(Path.Combine(hf, "tokenizer.json")).Length, null, null, "convert", hf, "-o", Path.Combine(dir, "o.mmf.json"));
                    }
            }
        }

        /// <summary>A JSON array of about <paramref name="bytes"/> bytes: "[1,1,...]", the most values per byte.</summary>
        private static string Numbers(int bytes) => "[" + string.Join(",", Enumerable.Repeat("1", bytes / 2)) + "]";

        private static Result Manifest(string dir, string insert, bool accepted)
        {
            // Made as text: a JSON document of these many values would cost this process what is measured.
            string text = File.ReadAllText(Repository.Model("micro-l2-h16"));
            string path = Path.Combine(dir, "m.mmf.json");
            File.WriteAllText(path, text.Insert(text.IndexOf('{') + 1, insert + ","));
            return Mmf(new FileInfo(path).Length, accepted, path, "inspect", path);
        }
    }
}
