using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace MatMulFree.Model
{
    /// <summary>One run of bytes of a <see cref="DataResource"/>: what it holds and where.</summary>
    public readonly struct DataSection
    {
        public DataSection(string key, long offset, long length)
        {
            Key = key;
            Offset = offset;
            Length = length;
        }

        /// <summary>The tensor name ("model.layers.0.attn_norm.weight"), or a derived key (<see cref="DataResource.LowerBoundKey"/>,
        /// <see cref="DataResource.PiecesKey"/>, <see cref="DataResource.MergesKey"/>).</summary>
        public string Key { get; }
        public long Offset { get; }
        public long Length { get; }
    }

    /// <summary>
    /// The data of a compiled-in model, as the build embeds it in the assembly beside the
    /// generated code (docs/generator.md, "Where the weights go"): so that the C# compiler
    /// reads code, shapes and a few constants, never megabytes of numbers. Both sides compute
    /// it from the same model with this class: the build task (MatMulFree.Build) writes the
    /// bytes as an embedded resource; the source generator, which writes no files, computes
    /// the same bytes to know each section's place and the SHA-256 that names the resource
    /// and that the generated code checks when it first reads it.
    /// <para>What it holds, in this order, each section starting on a multiple of 8 bytes:
    /// the embeddings (unless they are in an external weights file), then for each block its
    /// attention norm, forget-gate lower bound (derived, docs/numerics.md), gate norm and MLP
    /// norm, then each BitLinear's norm weight and, unless it is in an external weights file,
    /// its ternary weight as pair codes (the packed kernel's layout, <see cref="PairCodes"/>; all
    /// of them, so that the bytes do not depend on which layers the planner unrolls), then the
    /// final norm, and a BPE tokenizer's pieces and merges. Floats are little-endian float32;
    /// strings are a count (int32) and then each string as its length in UTF-16 code units
    /// (int32, -1 for a missing piece) and its code units (uint16), so that every piece comes
    /// back exactly. The data that an external weights file holds stays there; for such a model the
    /// resource ends with the table of the file's tensors, in load order (<see cref="WeightsFileTensors"/>:
    /// for each, its name, offset, length, dtype, rows, columns and beta's bits, as strings), and the
    /// record hashes of the tensors the manifest holds inline (name, lowercase hex), with which the
    /// generated code completes the manifest's integrity digest when it reads the file.</para>
    /// </summary>
    public sealed class DataResource
    {
        /// <summary>Changes whenever the layout does, so that a build and a generator of different versions cannot agree on a name.</summary>
        public const string Format = "matmulfree-data-1";
        public const string Extension = ".mmfd";
        public const string PiecesKey = "tokenizer.pieces";
        public const string MergesKey = "tokenizer.merges";
        public const string WeightsFileTensorsKey = "weights.tensors";
        public const string TensorRecordsKey = "weights.records";

        private readonly Dictionary<string, DataSection> _sections;

        private DataResource(byte[] bytes, List<DataSection> sections, IReadOnlyList<string> weightsFileTensors)
        {
            WeightsFileTensors = weightsFileTensors;
            Bytes = bytes;
            Sections = sections;
            _sections = new Dictionary<string, DataSection>(StringComparer.Ordinal);
            foreach (var s in sections)
            {
                _sections.Add(s.Key, s);
            }
            using var sha = SHA256.Create();
            Sha256 = Manifest.IntegrityDigest.LowerHex(sha.ComputeHash(bytes));
            Name = "MatMulFree." + Sha256.Substring(0, 32) + Extension;
        }

        public byte[] Bytes { get; }

        public IReadOnlyList<DataSection> Sections { get; }

        /// <summary>SHA-256 of <see cref="Bytes"/>, lowercase hex.</summary>
        public string Sha256 { get; }

        /// <summary>The embedded resource's name: named by its content (and <see cref="Format"/>, which
        /// the content's hash covers through the layout), so that the build and the generator agree on it
        /// or not at all, and two manifests never share a name unless their data is the same.</summary>
        public string Name { get; }

        /// <summary>The tensors read from the external weights file, by name, in load order (the embeddings,
        /// then each BitLinear's weight in step order); empty without such a file.</summary>
        public IReadOnlyList<string> WeightsFileTensors { get; }

        /// <summary>The key of block <paramref name="layer"/>'s derived forget-gate lower bound.</summary>
        public static string LowerBoundKey(int layer) => TensorNames.Block(layer) + ".lower_bound";

        /// <summary>The section of <paramref name="key"/>.</summary>
        public DataSection this[string key] => _sections.TryGetValue(key, out var s) ? s : throw new KeyNotFoundException($"the data resource has no section {key}");

        public bool Contains(string key) => _sections.ContainsKey(key);

        public static DataResource Of(ModelDefinition m)
        {
            var writer = new Writer();
            writer.Strings("format", new[] { Format });
            var a = m.Architecture;
            if (m.ExternalEmbeddings == null)
            {
                writer.Floats(TensorNames.Embeddings, m.Embeddings);
            }
            foreach (var b in m.Blocks)
            {
                string p = TensorNames.Block(b.Index);
                writer.Floats(p + ".attn_norm.weight", b.AttentionNorm);
                if (b.Mlgru.LowerBound != null)
                {
                    writer.Floats(LowerBoundKey(b.Index), b.Mlgru.LowerBound);
                }
                writer.Floats(p + ".attn.g_norm.weight", b.Mlgru.GateNorm);
                writer.Floats(p + ".mlp_norm.weight", b.MlpNorm);
            }
            foreach (var linear in m.BitLinears())
            {
                writer.Floats(TensorNames.Norm(linear.Name), linear.NormWeight);
                if (linear.Weight.External == null)
                {
                    writer.Bytes(TensorNames.Weight(linear.Name), PairCodes.Of(linear.Weight));
                }
            }
            writer.Floats(TensorNames.FinalNorm, m.FinalNorm);
            if (m.Tokenizer.Kind == TokenizerSpec.BpeKind)
            {
                writer.Strings(PiecesKey, m.Tokenizer.Pieces);
                writer.Strings(MergesKey, m.Tokenizer.Merges);
            }
            var external = new List<string>();
            if (m.HasDeferredWeights)
            {
                var table = new List<string?>();
                void Row(string name, long offset, long length, string dtype, int rows, int columns, float beta)
                {
                    external.Add(name);
                    table.AddRange(new[] { name, Text(offset), Text(length), dtype, Text(rows), Text(columns), Text(BitConverter.ToInt32(BitConverter.GetBytes(beta), 0)) });
                }
                if (m.ExternalEmbeddings is Manifest.WeightsFileRange e)
                {
                    Row(TensorNames.Embeddings, e.Offset, e.Length, e.Dtype, m.Architecture.Vocab, m.Architecture.Hidden, 0f);
                }
                foreach (var linear in m.BitLinears())
                {
                    var t = linear.Weight;
                    if (t.External != null)
                    {
                        Row(TensorNames.Weight(linear.Name), t.External.Offset, t.External.Length, "trit2", t.Rows, t.Columns, t.Beta);
                    }
                }
                writer.Strings(WeightsFileTensorsKey, table);
                var records = new List<string?>();
                var names = new List<string>();
                foreach (var r in m.IntegrityRecords?.TensorRecords ?? new Dictionary<string, byte[]?>())
                {
                    if (r.Value != null)
                    {
                        names.Add(r.Key);
                    }
                }
                names.Sort(StringComparer.Ordinal);
                foreach (var name in names)
                {
                    records.Add(name);
                    records.Add(Manifest.IntegrityDigest.LowerHex(m.IntegrityRecords!.TensorRecords[name]!));
                }
                writer.Strings(TensorRecordsKey, records);
            }
            return new DataResource(writer.ToArray(), writer.Sections, external);
        }

        private static string Text(long v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>Float32s written by <see cref="Of"/>: <paramref name="count"/> of them from <paramref name="offset"/>.</summary>
        public static float[] ReadFloats(byte[] data, long offset, int count)
        {
            Check(data, offset, 4L * count);
            var values = new float[count];
            for (int k = 0; k < count; k++)
            {
                // The little-endian bits as an int, then that int's bytes as a float in the machine's own order.
                values[k] = BitConverter.ToSingle(BitConverter.GetBytes(ReadInt(data, offset + 4L * k)), 0);
            }
            return values;
        }

        /// <summary>Strings written by <see cref="Of"/>, from <paramref name="offset"/>.</summary>
        public static string?[] ReadStrings(byte[] data, long offset)
        {
            int count = ReadInt(data, offset);
            if (count < 0 || count > (data.Length - offset) / 4)
            {
                throw new InvalidDataException($"data resource: a string list at {offset} has a count of {count}");
            }
            var result = new string?[count];
            long at = offset + 4;
            for (int k = 0; k < count; k++)
            {
                int length = ReadInt(data, at);
                at += 4;
                if (length == -1)
                {
                    continue;
                }
                Check(data, at, 2L * length);
                var chars = new char[length];
                for (int j = 0; j < length; j++)
                {
                    chars[j] = (char)(data[at + 2 * j] | (data[at + 2 * j + 1] << 8));
                }
                result[k] = new string(chars);
                at += 2L * length;
            }
            return result;
        }

        private static int ReadInt(byte[] data, long offset)
        {
            Check(data, offset, 4);
            return data[offset] | (data[offset + 1] << 8) | (data[offset + 2] << 16) | (data[offset + 3] << 24);
        }

        private static void Check(byte[] data, long offset, long length)
        {
            if (offset < 0 || length < 0 || offset + length > data.Length)
            {
                throw new InvalidDataException($"data resource: bytes {offset} to {offset + length} lie outside its {data.Length} bytes");
            }
        }

        private sealed class Writer
        {
            private readonly MemoryStream _bytes = new MemoryStream();

            public List<DataSection> Sections { get; } = new List<DataSection>();

            public void Floats(string key, float[] values)
            {
                long start = Begin();
                foreach (var v in values)
                {
                    // Little-endian whatever the machine's order, like every other number of the resource.
                    var bytes = BitConverter.GetBytes(v);
                    if (!BitConverter.IsLittleEndian)
                    {
                        Array.Reverse(bytes);
                    }
                    _bytes.Write(bytes, 0, 4);
                }
                End(key, start);
            }

            public void Bytes(string key, byte[] bytes)
            {
                long start = Begin();
                _bytes.Write(bytes, 0, bytes.Length);
                End(key, start);
            }

            public void Strings(string key, IReadOnlyList<string?> strings)
            {
                long start = Begin();
                var buffer = new byte[4];
                Int(strings.Count, buffer);
                foreach (var s in strings)
                {
                    if (s == null)
                    {
                        Int(-1, buffer);
                        continue;
                    }
                    Int(s.Length, buffer);
                    var units = new byte[2 * s.Length];
                    for (int j = 0; j < s.Length; j++)
                    {
                        units[2 * j] = (byte)s[j];
                        units[2 * j + 1] = (byte)(s[j] >> 8);
                    }
                    _bytes.Write(units, 0, units.Length);
                }
                End(key, start);
            }

            public byte[] ToArray() => _bytes.ToArray();

            private void Int(int v, byte[] buffer)
            {
                buffer[0] = (byte)v;
                buffer[1] = (byte)(v >> 8);
                buffer[2] = (byte)(v >> 16);
                buffer[3] = (byte)(v >> 24);
                _bytes.Write(buffer, 0, 4);
            }

            private long Begin()
            {
                while (_bytes.Length % 8 != 0)
                {
                    _bytes.WriteByte(0);
                }
                return _bytes.Length;
            }

            private void End(string key, long start) => Sections.Add(new DataSection(key, start, _bytes.Length - start));
        }
    }
}
