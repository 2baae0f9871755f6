using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using MatMulFree.Conversion;
using Xunit;

namespace MatMulFree.Tests.Conversion
{
    /// <summary>safetensors files written here byte by byte: read back exactly, and every kind of damage refused.</summary>
    public sealed class SafetensorsTests : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("mmf-st-").FullName;

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        private string Write(string header, byte[] data, ulong? headerLength = null)
        {
            string path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".safetensors");
            var h = Encoding.UTF8.GetBytes(header);
            using var f = File.Create(path);
            f.Write(BitConverter.GetBytes(headerLength ?? (ulong)h.Length));
            f.Write(h);
            f.Write(data);
            return path;
        }

        [Fact]
        public void Reads_f32_f16_and_bf16_exactly()
        {
            var data = new List<byte>();
            data.AddRange(BitConverter.GetBytes(1.5f));
            data.AddRange(BitConverter.GetBytes(-2.25f));
            data.AddRange(BitConverter.GetBytes((ushort)0x3C00)); // f16 1.0
            data.AddRange(BitConverter.GetBytes((ushort)0xC000)); // f16 -2.0
            data.AddRange(BitConverter.GetBytes((ushort)0x3F80)); // bf16 1.0
            data.AddRange(BitConverter.GetBytes((ushort)0x4049)); // bf16 3.140625
            string header = "{\"__metadata__\": {\"format\": \"pt\"}, " +
                "\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, " +
                "\"b\": {\"dtype\": \"F16\", \"shape\": [1, 2], \"data_offsets\": [8, 12]}, " +
                "\"c\": {\"dtype\": \"BF16\", \"shape\": [2], \"data_offsets\": [12, 16]}}";
            using var file = SafetensorsFile.Open(Write(header, data.ToArray()));
            Assert.Equal(3, file.Tensors.Count);
            Assert.Equal(new[] { 1.5f, -2.25f }, file.ReadFloats("a"));
            Assert.Equal(new[] { 1f, -2f }, file.ReadFloats("b"));
            Assert.Equal(new[] { 1f, 3.140625f }, file.ReadFloats("c"));
            Assert.Equal(new long[] { 1, 2 }, file.Tensors["b"].Shape);
        }

        [Theory]
        [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", 4, "outside the 4-byte data section")]
        [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", 8, "needs 12")]
        [InlineData("{\"a\": {\"dtype\": \"I8\", \"shape\": [8], \"data_offsets\": [0, 8]}}", 8, "not supported")]
        [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [-2], \"data_offsets\": [0, 8]}}", 8, "is not a size")]
        [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 0]}}", 8, "outside")]
        [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", 8, "overlap")]
        [InlineData("{\"a\": [1, 2]}", 0, "must be an object")]
        [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [2]}}", 8, "data_offsets")]
        [InlineData("{\"a\": ", 0, "invalid JSON")]
        [InlineData("[]", 0, "must be a JSON object")]
        [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [65536, 65536], \"data_offsets\": [0, 8]}}", 8, "more than")]
        [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [\"2\"], \"data_offsets\": [0, 8]}}", 8, "is not a size")]
        [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [\"0\", \"8\"]}}", 8, "data_offsets")]
        public void Damaged_headers_are_refused_with_the_reason(string header, int dataBytes, string message)
        {
            string path = Write(header, new byte[dataBytes]);
            var e = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path));
            Assert.StartsWith(path, e.Message);
            Assert.Contains(message, e.Message);
        }

        [Fact]
        public void Header_lengths_are_bounded_before_anything_is_allocated()
        {
            var huge = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(Write("{}", Array.Empty<byte>(), headerLength: ulong.MaxValue)));
            Assert.Contains("more than the", huge.Message);
            var past = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(Write("{}", Array.Empty<byte>(), headerLength: 1000)));
            Assert.Contains("runs past the end", past.Message);
            string tiny = Path.Combine(_dir, "tiny.safetensors");
            File.WriteAllBytes(tiny, new byte[] { 1, 2, 3 });
            Assert.Contains("too short", Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(tiny)).Message);
        }

        [Fact]
        public void Random_damage_is_refused_or_read_never_crashes()
        {
            var data = new byte[64];
            string header = "{\"w\": {\"dtype\": \"BF16\", \"shape\": [4, 8], \"data_offsets\": [0, 64]}}";
            var random = new Random(3);
            for (int n = 0; n < 300; n++)
            {
                string path = Write(MatMulFree.Fuzz.Mutations.Text(header, random), data);
                try
                {
                    using var file = SafetensorsFile.Open(path);
                    foreach (var name in file.Tensors.Keys) file.ReadFloats(name);
                }
                catch (CheckpointException)
                {
                }
            }
        }
    }
}
