using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using MatMulFree.Model.Json;
using MatMulFree.Model.Numerics;
using MatMulFree.Model.Text;
using MatMulFree.Runtime.Files;
using Microsoft.Win32.SafeHandles;

namespace MatMulFree.Conversion
{
    /// <summary>A safetensors file that cannot be used; the message names the file and the problem.</summary>
    public sealed class CheckpointException : Exception
    {
        public CheckpointException(string message) : base(message)
        {
        }
    }

    /// <summary>One tensor's entry in a safetensors header.</summary>
    public sealed class SafetensorsTensor
    {
        public SafetensorsTensor(string name, string dtype, long[] shape, long begin, long end)
        {
            Name = name;
            Dtype = dtype;
            Shape = shape;
            Begin = begin;
            End = end;
        }

        public string Name { get; }
        /// <summary>"F32", "F16" or "BF16".</summary>
        public string Dtype { get; }
        public long[] Shape { get; }
        /// <summary>Byte range within the data section (after the header).</summary>
        public long Begin { get; }
        public long End { get; }

        public long ElementCount => MatMulFree.Model.ShapeMath.ElementCount(Shape);
    }

    /// <summary>
    /// Reads a safetensors file (Hugging Face's checkpoint format: a little-endian
    /// u64 header length, a JSON header of name -> dtype, shape, data_offsets, then the
    /// data) with positioned reads, a tensor at a time, so that nothing is copied until
    /// a tensor is read and a file that shrinks meanwhile is reported, not a crash (a
    /// mapped file would be a SIGBUS). Hostile files are refused with a message: the
    /// header length is bounded and checked against the file, every offset and size
    /// against the data section and the dtype and shape (numbers, not strings), tensors
    /// may not overlap.
    /// </summary>
    public sealed class SafetensorsFile : IDisposable
    {
        /// <summary>"__metadata__" is free-form text: checked as JSON, not kept.</summary>
        private static readonly JsonReaderOptions HeaderOptions = new JsonReaderOptions { SkipTopLevel = new[] { "__metadata__" } };

        /// <summary>Headers above this are refused (real ones are kilobytes to a few megabytes).</summary>
        public const long MaxHeaderBytes = 100L << 20;

        private readonly SafeFileHandle _file;
        private readonly long _dataStart;

        private SafetensorsFile(string path, SafeFileHandle file, long dataStart, Dictionary<string, SafetensorsTensor> tensors)
        {
            Path = path;
            _file = file;
            _dataStart = dataStart;
            Tensors = tensors;
        }

        public string Path { get; }
        public IReadOnlyDictionary<string, SafetensorsTensor> Tensors { get; }

        /// <summary>Opens a safetensors file whose real path lies in one of <paramref name="allowedFolders"/> (none: anywhere).</summary>
        public static SafetensorsFile Open(string path, params string[] allowedFolders)
        {
            SafeFileHandle file;
            long length;
            try
            {
                file = ModelFile.Open(path, "safetensors file", long.MaxValue, out length, allowedFolders);
            }
            catch (ModelFileException e)
            {
                throw new CheckpointException(e.Message);
            }
            try
            {
                if (length < 8)
                {
                    throw new CheckpointException($"{ModelFile.Display(path)}: {length} bytes, too short for a safetensors header length");
                }
                var lengthBytes = new byte[8];
                Read(file, 0, lengthBytes, path);
                ulong headerLength = BitConverter.ToUInt64(lengthBytes, 0);
                if (headerLength > (ulong)MaxHeaderBytes)
                {
                    throw new CheckpointException($"{ModelFile.Display(path)}: header length {headerLength:N0} bytes is more than the {MaxHeaderBytes:N0} allowed");
                }
                if ((long)headerLength > length - 8)
                {
                    throw new CheckpointException($"{ModelFile.Display(path)}: header length {headerLength:N0} bytes runs past the end of the {length:N0}-byte file");
                }
                var header = new byte[headerLength];
                Read(file, 8, header, path);
                long dataStart = 8 + header.Length;
                var tensors = ParseHeader(path, header, length - dataStart);
                return new SafetensorsFile(path, file, dataStart, tensors);
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }

        private static void Read(SafeFileHandle file, long offset, Span<byte> buffer, string path)
        {
            try
            {
                ModelFile.ReadExactly(file, offset, buffer, path, "safetensors file");
            }
            catch (ModelFileException e)
            {
                throw new CheckpointException(e.Message);
            }
        }

        private static Dictionary<string, SafetensorsTensor> ParseHeader(string path, byte[] header, long dataLength)
        {
            string text;
            try
            {
                text = new UTF8Encoding(false, true).GetString(header);
            }
            catch (DecoderFallbackException)
            {
                throw new CheckpointException($"{ModelFile.Display(path)}: the header is not UTF-8");
            }
            var root = JsonReader.Parse(text, HeaderOptions, out var error);
            if (root == null)
            {
                throw new CheckpointException($"{ModelFile.Display(path)}: header ({error!.Span.Line},{error.Span.Column}): invalid JSON: {error.Message}");
            }
            if (root.Kind != JsonKind.Object)
            {
                throw new CheckpointException($"{ModelFile.Display(path)}: the header must be a JSON object");
            }
            var tensors = new Dictionary<string, SafetensorsTensor>(StringComparer.Ordinal);
            var ranges = new List<(long Begin, long End, string Name)>();
            foreach (var p in root.Properties)
            {
                if (p.Name == "__metadata__")
                {
                    continue;
                }
                string where = $"{ModelFile.Display(path)}: tensor \"{DisplayText.Of(p.Name)}\"";
                var e = p.Value;
                if (e.Kind != JsonKind.Object)
                {
                    throw new CheckpointException($"{where}: its entry must be an object");
                }
                string dtype = e.Find("dtype")?.Value is JsonValue d && d.Kind == JsonKind.String ? d.Text : throw new CheckpointException($"{where}: no \"dtype\" string");
                int size = dtype switch
                {
                    "F32" => 4,
                    "F16" => 2,
                    "BF16" => 2,
                    _ => throw new CheckpointException($"{where}: dtype {dtype} is not supported (F32, F16, BF16)"),
                };
                var shapeValue = e.Find("shape")?.Value;
                if (shapeValue == null || shapeValue.Kind != JsonKind.Array || shapeValue.Items.Count > 8)
                {
                    throw new CheckpointException($"{where}: \"shape\" must be an array of at most 8 dimensions");
                }
                var shape = new long[shapeValue.Items.Count];
                long elements = 1;
                for (int k = 0; k < shape.Length; k++)
                {
                    var dim = shapeValue.Items[k];
                    if (dim.Kind != JsonKind.Number || !long.TryParse(dim.Text, NumberStyles.None, CultureInfo.InvariantCulture, out shape[k]) || shape[k] > int.MaxValue)
                    {
                        throw new CheckpointException($"{where}: dimension {k} ({DisplayText.Of(dim.Kind == JsonKind.Number ? dim.Text : dim.KindName, 40)}) is not a size");
                    }
                    elements *= shape[k];
                    if (elements > int.MaxValue)
                    {
                        throw new CheckpointException($"{where}: more than {int.MaxValue:N0} elements");
                    }
                }
                var offsets = e.Find("data_offsets")?.Value;
                if (offsets == null || offsets.Kind != JsonKind.Array || offsets.Items.Count != 2
                    || offsets.Items[0].Kind != JsonKind.Number || offsets.Items[1].Kind != JsonKind.Number
                    || !long.TryParse(offsets.Items[0].Text, NumberStyles.None, CultureInfo.InvariantCulture, out long begin)
                    || !long.TryParse(offsets.Items[1].Text, NumberStyles.None, CultureInfo.InvariantCulture, out long end))
                {
                    throw new CheckpointException($"{where}: \"data_offsets\" must be [begin, end]");
                }
                if (begin > end || end > dataLength)
                {
                    throw new CheckpointException($"{where}: data_offsets [{begin}, {end}] lie outside the {dataLength:N0}-byte data section");
                }
                if (end - begin != elements * size)
                {
                    throw new CheckpointException($"{where}: {end - begin:N0} bytes of data, but {dtype} [{string.Join(", ", shape)}] needs {elements * size:N0}");
                }
                tensors.Add(p.Name, new SafetensorsTensor(p.Name, dtype, shape, begin, end));
                ranges.Add((begin, end, p.Name));
            }
            ranges.Sort((a, b) => a.Begin.CompareTo(b.Begin));
            for (int k = 1; k < ranges.Count; k++)
            {
                if (ranges[k].Begin < ranges[k - 1].End)
                {
                    throw new CheckpointException($"{ModelFile.Display(path)}: tensors \"{DisplayText.Of(ranges[k - 1].Name)}\" and \"{DisplayText.Of(ranges[k].Name)}\" overlap");
                }
            }
            return tensors;
        }

        /// <summary>A tensor's values widened exactly to float32, read through a view of the
        /// tensor's own bytes that is unmapped afterwards (so that converting a checkpoint of
        /// several GB does not keep all of it mapped in the working set).</summary>
        public float[] ReadFloats(string name)
        {
            if (!Tensors.TryGetValue(name, out var t))
            {
                throw new CheckpointException($"{Path}: no tensor \"{name}\"");
            }
            if (!BitConverter.IsLittleEndian)
            {
                throw new PlatformNotSupportedException("safetensors files are little-endian; big-endian hosts are not supported");
            }
            var values = new float[t.ElementCount];
            if (values.Length == 0)
            {
                return values;
            }
            if (t.Dtype == "F32")
            {
                Read(_file, _dataStart + t.Begin, MemoryMarshal.AsBytes(values.AsSpan()), Path);
                return values;
            }
            var bits = new ushort[Math.Min(values.Length, 1 << 20)];
            for (long done = 0; done < values.LongLength; done += bits.Length)
            {
                int n = (int)Math.Min(bits.Length, values.LongLength - done);
                Read(_file, _dataStart + t.Begin + 2 * done, MemoryMarshal.AsBytes(bits.AsSpan(0, n)), Path);
                for (int k = 0; k < n; k++)
                {
                    values[done + k] = t.Dtype == "F16" ? HalfConversion.HalfToSingle(bits[k]) : HalfConversion.BFloat16ToSingle(bits[k]);
                }
            }
            return values;
        }

        public void Dispose()
        {
            _file.Dispose();
        }
    }
}
