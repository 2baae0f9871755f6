using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using MatMulFree.Model;
using MatMulFree.Model.Manifest;
using MatMulFree.Runtime;

namespace MatMulFree.Fuzz
{
    /// <summary>Inputs the classes build: a manifest with an external weights file, a Hugging Face
    /// checkpoint of a chosen size (random F32 weights), a named pipe.</summary>
    public static class Fixtures
    {
        /// <summary>tiny-l2-h64 with its ternary weights and embeddings in NAME.mmfw beside NAME.mmf.json.</summary>
        public static (string Manifest, string Weights) External(string dir, string name = "ext")
        {
            Directory.CreateDirectory(dir);
            var model = ManifestLoader.Load(Repository.Model("tiny-l2-h64"));
            string manifest = Path.Combine(dir, name + ".mmf.json");
            string weights = Path.Combine(dir, name + ".mmfw");
            using (var stream = new FileStream(weights, FileMode.Create))
            using (var writer = new WeightsFileWriter(name + ".mmfw", stream, inlineLimitBytes: 0))
            {
                File.WriteAllText(manifest, ManifestWriter.Write(model, writer));
            }
            return (manifest, weights);
        }

        /// <summary>A checkpoint folder (config.json, model.safetensors, tokenizer.json of tiny-f32) of the given shape.</summary>
        public static string Checkpoint(string dir, int layers, int hidden, int intermediate, int seed)
        {
            Directory.CreateDirectory(dir);
            var source = Repository.Checkpoint("tiny-f32");
            File.Copy(Path.Combine(source, "tokenizer.json"), Path.Combine(dir, "tokenizer.json"));
            var config = JsonNode.Parse(File.ReadAllText(Path.Combine(source, "config.json")))!.AsObject();
            config["hidden_size"] = hidden;
            config["num_hidden_layers"] = layers;
            config["intermediate_size"] = intermediate;
            File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJsonString());
            var a = new Architecture(layers, hidden, intermediate, (int)config["vocab_size"]!, 1e-6f, 1, 2);
            var slots = TensorCatalog.For(a);
            var header = new JsonObject();
            long offset = 0;
            foreach (var slot in slots)
            {
                long bytes = 4 * slot.ElementCount;
                header[slot.Name] = new JsonObject { ["dtype"] = "F32", ["shape"] = new JsonArray(slot.Shape.Select(d => (JsonNode)d).ToArray()), ["data_offsets"] = new JsonArray(offset, offset + bytes) };
                offset += bytes;
            }
            var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
            var random = new Random(seed);
            using var file = new FileStream(Path.Combine(dir, "model.safetensors"), FileMode.Create);
            file.Write(BitConverter.GetBytes((ulong)headerBytes.Length));
            file.Write(headerBytes);
            var chunk = new byte[1 << 16];
            foreach (var slot in slots)
            {
                for (long left = 4 * slot.ElementCount; left > 0; left -= chunk.Length)
                {
                    int n = (int)Math.Min(chunk.Length, left);
                    for (int k = 0; k < n; k += 4)
                    {
                        BitConverter.TryWriteBytes(chunk.AsSpan(k), (float)(random.NextDouble() * 0.2 - 0.1));
                    }
                    file.Write(chunk, 0, n);
                }
            }
            return dir;
        }

        public static string Fifo(string path)
        {
            var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("mkfifo") { ArgumentList = { path }, RedirectStandardError = true })!;
            p.WaitForExit();
            if (p.ExitCode != 0)
            {
                throw new IOException("mkfifo failed");
            }
            return path;
        }
    }
}
