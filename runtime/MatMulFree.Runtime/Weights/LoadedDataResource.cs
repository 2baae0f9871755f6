using System;
using System.IO;
using System.Reflection;
using System.Security.Cryptography;
using MatMulFree.Model;
using MatMulFree.Model.Text;
using MatMulFree.Runtime.Kernels;

namespace MatMulFree.Runtime
{
    /// <summary>
    /// The data of a source-generated model (<see cref="DataResource"/>: norms, lower bounds, the
    /// embeddings and ternary weights a manifest holds inline, a BPE tokenizer's pieces and merges),
    /// read from the embedded resource the MatMulFree build targets add to the assembly. The generated
    /// code calls <see cref="Load"/> once, when the model is first used, takes each section it needs
    /// and lets the bytes go. The resource's length and SHA-256 must be those the generator computed
    /// from the manifest it compiled: the model is then exactly that manifest's.
    /// </summary>
    public sealed class LoadedDataResource
    {
        private readonly byte[] _bytes;

        private LoadedDataResource(byte[] bytes, string source)
        {
            _bytes = bytes;
            Source = source;
        }

        /// <summary>Where the data was read from.</summary>
        public string Source { get; }

        public static LoadedDataResource Load(Assembly assembly, string model, string name, long size, string sha256)
        {
            model = DisplayText.Of(model);
            string source = $"resource {name} of {assembly.GetName().Name}";
            using var stream = assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException(
                $"model {model}: its data ({size:N0} bytes) is not embedded in {assembly.GetName().Name} as the resource {name}. " +
                "The MatMulFree build targets embed it; they come with the MatMulFree package (docs/generator.md, \"Where the weights go\").");
            if (stream.Length != size)
            {
                throw new InvalidDataException($"model {model}: {source} has {stream.Length:N0} bytes, the generated code expects {size:N0}");
            }
            var bytes = new byte[size];
            stream.ReadExactly(bytes);
            string actual = Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
            if (!string.Equals(actual, sha256, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"model {model}: {source} has sha256 {actual}, the generated code expects {sha256} (the data of another build of the manifest)");
            }
            return new LoadedDataResource(bytes, source);
        }

        /// <summary><paramref name="count"/> float32s from <paramref name="offset"/>.</summary>
        public float[] Floats(long offset, int count)
        {
            if (!BitConverter.IsLittleEndian || offset < 0 || count < 0 || offset + 4L * count > _bytes.Length)
            {
                return DataResource.ReadFloats(_bytes, offset, count);
            }
            return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(_bytes.AsSpan((int)offset, 4 * count)).ToArray();
        }

        /// <summary>A rows x columns ternary weight as pair codes from <paramref name="offset"/>, on the packed kernel.</summary>
        public PackedTernaryWeights Ternary(long offset, int rows, int columns, float beta)
        {
            long length = PairCodes.Length(rows, columns);
            if (offset < 0 || offset + length > _bytes.Length)
            {
                throw new InvalidDataException($"{Source}: a {rows} x {columns} weight at {offset} lies outside its {_bytes.Length:N0} bytes");
            }
            return new PackedTernaryWeights(rows, columns, beta, _bytes.AsSpan((int)offset, (int)length));
        }

        /// <summary>The external weights file's tensors, in load order (<see cref="DataResource.WeightsFileTensorsKey"/>).</summary>
        public WeightsFileTensor[] WeightsFileTensors(long offset)
        {
            var table = Texts(offset, 7);
            var tensors = new WeightsFileTensor[table.Length / 7];
            for (int k = 0; k < tensors.Length; k++)
            {
                int at = 7 * k;
                tensors[k] = new WeightsFileTensor(table[at], Long(table[at + 1]), Long(table[at + 2]), table[at + 3],
                    (int)Long(table[at + 4]), (int)Long(table[at + 5]), BitConverter.Int32BitsToSingle((int)Long(table[at + 6])));
            }
            return tensors;
        }

        /// <summary>The record hashes of the tensors the manifest holds inline (<see cref="DataResource.TensorRecordsKey"/>).</summary>
        public TensorRecord[] TensorRecords(long offset)
        {
            var table = Texts(offset, 2);
            var records = new TensorRecord[table.Length / 2];
            for (int k = 0; k < records.Length; k++)
            {
                records[k] = new TensorRecord(table[2 * k], table[2 * k + 1]);
            }
            return records;
        }

        /// <summary>A list of strings, none missing, in rows of <paramref name="width"/>.</summary>
        private string[] Texts(long offset, int width)
        {
            var texts = DataResource.ReadStrings(_bytes, offset);
            if (texts.Length % width != 0 || Array.IndexOf(texts, null) >= 0)
            {
                throw new InvalidDataException($"{Source}: the list at {offset} has a missing entry or is not rows of {width}");
            }
            return texts!;
        }

        private long Long(string text) => long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out long v)
            ? v
            : throw new InvalidDataException($"{Source}: \"{DisplayText.Of(text, 40)}\" is not a whole number");

        /// <summary>A BPE tokenizer's pieces by id (null for an unused id) from <paramref name="offset"/>.</summary>
        public string?[] Pieces(long offset) => DataResource.ReadStrings(_bytes, offset);

        /// <summary>A BPE tokenizer's merges from <paramref name="offset"/>.</summary>
        public string[] Merges(long offset) => Texts(offset, 1);
    }
}
