using System;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using MatMulFree.Cli;
using MatMulFree.Runtime.Files;
using Xunit;

namespace MatMulFree.Tests.Security
{
    /// <summary>
    /// Nothing mmf writes can cost a user a file they had: outputs are written beside their
    /// targets and renamed into place when complete and checked (<see cref="AtomicFile"/>); a
    /// conversion that fails at any step leaves the previous manifest and weights file as they
    /// were; a manifest and its weights file are replaced as a pair, the weights file's old
    /// version kept aside until the manifest is in place.
    /// </summary>
    public sealed class DataLossTests : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("mmf-dataloss-").FullName;

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        private static (int Code, string Out, string Err) Mmf(params string[] args) => MmfRunner.Run(args);

        private static string Checkpoint(string name) => Path.Combine(TestData.Root, "tests", "data", "hf", name);

        private string[] Snapshot() => Directory.GetFiles(_dir, "*", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => f + ":" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))).ToArray();

        [Fact]
        public void A_write_that_fails_leaves_the_previous_file_and_no_temporary()
        {
            string path = Path.Combine(_dir, "out.bin");
            File.WriteAllText(path, "previous");
            Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
            {
                s.Write(new byte[1000]);
                throw new InvalidOperationException("the writer failed half way");
            }));
            Assert.Equal("previous", File.ReadAllText(path));
            Assert.Single(Directory.GetFiles(_dir));
            AtomicFile.WriteAllText(path, "next");
            Assert.Equal("next", File.ReadAllText(path));
            Assert.Single(Directory.GetFiles(_dir));
        }

        [Fact]
        public void A_pair_whose_second_rename_fails_is_put_back_as_it_was()
        {
            string weights = Path.Combine(_dir, "m.mmfw");
            string manifest = Path.Combine(_dir, "m.mmf.json");
            File.WriteAllText(weights, "old weights");
            Directory.CreateDirectory(manifest); // nothing can be renamed over a folder
            using var first = AtomicFile.Stage(weights, s => s.Write(new byte[] { 1, 2, 3 }));
            using var last = AtomicFile.Stage(manifest, s => s.Write(new byte[] { 4 }));
            Assert.ThrowsAny<IOException>(() => AtomicFile.CommitPair(first, last));
            Assert.Equal("old weights", File.ReadAllText(weights));
            Directory.Delete(manifest);
            Assert.Equal(new[] { weights }, Directory.GetFiles(_dir).Where(f => !Path.GetFileName(f).StartsWith(".m.mmf.json.tmp-", StringComparison.Ordinal)));
        }

        [Fact]
        public void A_conversion_that_fails_at_any_step_leaves_the_previous_pair_as_it_was()
        {
            string output = Path.Combine(_dir, "m.mmf.json");
            var r = Mmf("convert", Checkpoint("tiny-f32"), "-o", output, "--weights", "external");
            Assert.True(r.Code == MmfCommand.Ok, r.Err);
            var before = Snapshot();

            // A tokenizer the manifest cannot hold: two special tokens with one text.
            string hf = Path.Combine(Path.GetTempPath(), "mmf-dataloss-hf-" + Guid.NewGuid().ToString("N"));
            try
            {
                Directory.CreateDirectory(hf);
                foreach (var f in Directory.GetFiles(Checkpoint("tiny-bf16-sharded")))
                {
                    File.Copy(f, Path.Combine(hf, Path.GetFileName(f)));
                }
                var tokenizer = JsonNode.Parse(File.ReadAllText(Path.Combine(hf, "tokenizer.json")))!.AsObject();
                var added = tokenizer["added_tokens"]!.AsArray();
                added.Add(new JsonObject { ["id"] = 200, ["content"] = "<s>", ["special"] = true });
                File.WriteAllText(Path.Combine(hf, "tokenizer.json"), tokenizer.ToJsonString());
                r = Mmf("convert", hf, "-o", output, "--weights", "external");
                Assert.Equal(MmfCommand.InputError, r.Code);
                Assert.Contains("invalid tokenizer", r.Err);
                Assert.Equal(before, Snapshot());

                // The manifest cannot be put in place (a folder where its temporary file is renamed to):
                // the new weights file must not stay beside the old manifest.
                File.Move(output, output + ".saved");
                Directory.CreateDirectory(output);
                r = Mmf("convert", Checkpoint("tiny-bf16-sharded"), "-o", output, "--weights", "external");
                Assert.Equal(MmfCommand.OutputError, r.Code);
                Directory.Delete(output);
                File.Move(output + ".saved", output);
                Assert.Equal(before, Snapshot());

                // A name that would make two manifests share one weights file is refused before anything is written.
                r = Mmf("convert", Checkpoint("tiny-bf16-sharded"), "-o", Path.Combine(_dir, "m.json"), "--weights", "external");
                Assert.Equal(MmfCommand.UsageError, r.Code);
                Assert.Equal(before, Snapshot());
            }
            finally
            {
                Directory.Delete(hf, recursive: true);
            }
        }

        [Fact]
        public void Hls_and_logits_outputs_are_replaced_whole()
        {
            string logits = Path.Combine(_dir, "l.f32");
            File.WriteAllText(logits, "previous");
            // A token outside the vocabulary fails before anything is written: the previous file stays.
            var r = Mmf("logits", TestData.Model("micro-l2-h16"), "--tokens", "1,99999", "--out", logits);
            Assert.Equal(MmfCommand.UsageError, r.Code);
            Assert.Equal("previous", File.ReadAllText(logits));
            r = Mmf("logits", TestData.Model("micro-l2-h16"), "--tokens", "1,2", "--out", logits);
            Assert.Equal(MmfCommand.Ok, r.Code);
            Assert.Equal(2 * 259 * 4, new FileInfo(logits).Length);
            Assert.Single(Directory.GetFiles(_dir));
        }
    }
}
