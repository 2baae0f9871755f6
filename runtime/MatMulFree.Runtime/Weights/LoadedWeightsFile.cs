using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using MatMulFree.Model;
using MatMulFree.Model.Manifest;
using MatMulFree.Model.Numerics;
using MatMulFree.Model.Text;
using MatMulFree.Runtime.Files;
using MatMulFree.Runtime.Kernels;

namespace MatMulFree.Runtime
{
    /// <summary>One tensor a generated model reads from its external weights file:
    /// where it is, its dtype, and for a ternary weight its shape and beta.</summary>
    public readonly struct WeightsFileTensor
    {
        public WeightsFileTensor(string name, long offset, long length, string dtype, int rows, int columns, float beta)
        {
            Name = name;
            Offset = offset;
            Length = length;
            Dtype = dtype;
            Rows = rows;
            Columns = columns;
            Beta = beta;
        }

        public string Name { get; }
        public long Offset { get; }
        public long Length { get; }
        public string Dtype { get; }
        public int Rows { get; }
        public int Columns { get; }
        public float Beta { get; }

        /// <summary>The range the file scan hashes; an f32 table (the embeddings, read a row per token) row by row too.</summary>
        internal WeightsFileRange ToRange() => new WeightsFileRange(Offset, Length, Dtype, Dtype == "f32" ? 4 * Columns : 0);
    }

    /// <summary>The record hash of a tensor a generated model holds as constant data (docs/manifest.md, "Integrity digest").</summary>
    public readonly struct TensorRecord
    {
        public TensorRecord(string name, string sha256)
        {
            Name = name;
            Sha256 = sha256;
        }

        public string Name { get; }
        public string Sha256 { get; }
    }

    /// <summary>
    /// The manifest's integrity digest as a generated model with external weights must
    /// complete it: the compiler has hashed the model record and the tensors it holds
    /// as constants; the tensors in the weights file are hashed from the file's bytes
    /// when it is loaded, and the whole must give the manifest's digest.
    /// </summary>
    public sealed class ModelIntegrity
    {
        public ModelIntegrity(string digest, string modelRecord, TensorRecord[] inlineRecords)
        {
            Digest = digest;
            ModelRecord = modelRecord;
            InlineRecords = inlineRecords;
        }

        public string Digest { get; }
        public string ModelRecord { get; }
        public IReadOnlyList<TensorRecord> InlineRecords { get; }

        /// <summary>Throws when the digest made with the scanned ranges' hashes is not <see cref="Digest"/>.</summary>
        internal void Check(string model, string source, WeightsFileTensor[] tensors, WeightsFileRange[] ranges)
        {
            var records = new List<KeyValuePair<string, byte[]>>(InlineRecords.Count + tensors.Length);
            foreach (var r in InlineRecords)
            {
                records.Add(new KeyValuePair<string, byte[]>(r.Name, IntegrityDigest.FromHex(r.Sha256)));
            }
            for (int k = 0; k < tensors.Length; k++)
            {
                var t = tensors[k];
                records.Add(new KeyValuePair<string, byte[]>(t.Name,
                    IntegrityDigest.TensorRecord(t.Name, t.Dtype, new long[] { t.Rows, t.Columns }, t.Beta, ranges[k].Sha256!)));
            }
            string digest = IntegrityDigest.Combine(IntegrityDigest.FromHex(ModelRecord), records);
            if (!string.Equals(digest, Digest, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"model {model}: integrity check failed: with the tensors of {source} the model hashes to sha256 {digest}, the manifest it was compiled from says {Digest}");
            }
        }
    }

    /// <summary>
    /// The weights of a source-generated model whose manifest keeps them in an
    /// external weights file (docs/manifest.md, "External weights"). The generated
    /// code has every shape, beta and norm weight as constants and calls
    /// <see cref="Load"/> the first time the model is used. The file is found as an
    /// embedded resource of the model's assembly named like the file (what the
    /// MatMulFree build targets add, so a NativeAOT executable carries it), or
    /// else beside the application (AppContext.BaseDirectory). One scan of it checks its
    /// size and SHA-256 against the manifest's and completes the manifest's integrity
    /// digest (<see cref="ModelIntegrity"/>); every tensor read afterwards is checked
    /// against the hash the scan found, trits as the manifest reader checks them,
    /// embedding rows for their hash and non-finite values as they are read. The ternary
    /// weights become the packed kernel's codes; f32 embeddings stay where the file is and
    /// are read one row per token (<see cref="EmbeddingTable"/>). Read from an embedded
    /// resource, the pages of the assembly image the reads touched are given back
    /// afterwards (<see cref="ResidentPages"/>), so the process keeps about what the
    /// generic runtime keeps: the codes, the state and the rows in use.
    /// </summary>
    public sealed class LoadedWeightsFile
    {
        private readonly PackedTernaryWeights?[] _ternary;
        private readonly EmbeddingTable?[] _embeddings;

        private LoadedWeightsFile(string source, PackedTernaryWeights?[] ternary, EmbeddingTable?[] embeddings)
        {
            Source = source;
            _ternary = ternary;
            _embeddings = embeddings;
        }

        /// <summary>Where the weights were read from (a resource or a path).</summary>
        public string Source { get; }

        /// <summary>Tensor <paramref name="index"/> of the load list, a ternary weight, on the packed kernel.</summary>
        public PackedTernaryWeights Ternary(int index) => _ternary[index] ?? throw new InvalidOperationException($"tensor {index} is not ternary");

        /// <summary>Tensor <paramref name="index"/> of the load list, the embeddings [Rows = vocab, Columns = hidden].</summary>
        public EmbeddingTable Embeddings(int index) => _embeddings[index] ?? throw new InvalidOperationException($"tensor {index} is not a float tensor");

        public static LoadedWeightsFile Load(Assembly assembly, string model, string fileName, long size, string sha256, WeightsFileTensor[] tensors, ModelIntegrity integrity)
        {
            // The name is the manifest's: messages show it escaped and shortened.
            model = MatMulFree.Model.Text.DisplayText.Of(model);
            using var resource = assembly.GetManifestResourceStream(fileName);
            string beside = Path.Combine(AppContext.BaseDirectory, fileName);
            string source;
            IWeightsFile file;
            IDisposable? owned = null;
            ResourceWeightsFile? embedded = null;
            if (resource != null)
            {
                source = $"resource {fileName} of {assembly.GetName().Name}";
                file = embedded = new ResourceWeightsFile(resource);
            }
            else if (File.Exists(beside))
            {
                source = beside;
                var opened = WeightsFile.Open(beside, ModelFile.RealPath(AppContext.BaseDirectory));
                owned = opened;
                file = opened;
            }
            else
            {
                throw new FileNotFoundException(
                    $"model {model}: its weights file {fileName} is neither an embedded resource of {assembly.GetName().Name} nor at {beside} " +
                    "(the MatMulFree build targets copy the weights file beside the manifest to the application's folder, or embed it in a NativeAOT or single-file project; " +
                    "a publish also copies it. See docs/generator.md, \"Models with external weights\")", beside);
            }
            using (owned)
            {
                if (file.Length != size)
                {
                    throw new InvalidDataException($"model {model}: {source} has {file.Length:N0} bytes, the manifest it was compiled from says {size:N0}");
                }
                var ranges = new WeightsFileRange[tensors.Length];
                for (int k = 0; k < tensors.Length; k++)
                {
                    var t = tensors[k];
                    if (t.Offset < 0 || t.Length < 0 || t.Offset + t.Length > size || t.Length > int.MaxValue)
                    {
                        throw new InvalidDataException($"model {model}: tensor {t.Name} lies outside {source}");
                    }
                    ranges[k] = t.ToRange();
                }
                // One scan: the file's SHA-256 and each tensor's (and each embedding row's), from the same bytes.
                string actual = WeightsFileScan.Run(file, ranges);
                if (!string.Equals(actual, sha256, StringComparison.Ordinal))
                {
                    throw new InvalidDataException($"model {model}: {source} has sha256 {actual}, the manifest it was compiled from says {sha256}");
                }
                integrity.Check(model, source, tensors, ranges);
                var ternary = new PackedTernaryWeights?[tensors.Length];
                var buffers = new Dictionary<long, byte[]>();
                var embeddings = new EmbeddingTable?[tensors.Length];
                for (int k = 0; k < tensors.Length; k++)
                {
                    var t = tensors[k];
                    if (t.Dtype == "trit2")
                    {
                        ternary[k] = new PackedTernaryWeights(ReadTernary(file, t, ranges[k], model, source, buffers));
                    }
                    else
                    {
                        embeddings[k] = Embeddings(file, embedded, t, ranges[k], model, source);
                    }
                }
                return new LoadedWeightsFile(source, ternary, embeddings);
            }
        }

        /// <summary>The embeddings: f32 rows read as needed from the resource's memory or the file beside the
        /// application, each row checked against its scanned hash; other dtypes widened to a float32 array.</summary>
        private static unsafe EmbeddingTable Embeddings(IWeightsFile file, ResourceWeightsFile? embedded, WeightsFileTensor t, WeightsFileRange range, string model, string source)
        {
            if (t.Length != 4L * t.Rows * t.Columns && t.Dtype == "f32" || t.Length != 2L * t.Rows * t.Columns && t.Dtype != "f32")
            {
                throw new InvalidDataException($"model {model}: tensor {t.Name} has {t.Length:N0} bytes, [{t.Rows}, {t.Columns}] {t.Dtype} needs {(t.Dtype == "f32" ? 4 : 2) * (long)t.Rows * t.Columns:N0}");
            }
            if (t.Dtype == "f32" && embedded?.Memory != null)
            {
                return EmbeddingTable.FromMemory(embedded.Memory + t.Offset, t.Rows, t.Columns, source, range.RowSha256!);
            }
            if (t.Dtype == "f32" && file is WeightsFile opened)
            {
                return EmbeddingTable.FromFile(opened.Path, t.Offset, t.Rows, t.Columns, range.RowSha256!, opened.AllowedFolders);
            }
            return EmbeddingTable.FromArray(ReadFloatTensor(file, t, range, model, source), t.Rows, t.Columns);
        }

        /// <summary>A ternary weight from a weights file: its bytes must hash to what the scan found
        /// (<paramref name="range"/>), and its codes are checked (the hash proves the bytes are the
        /// converter's, not that they are valid).</summary>
        /// <param name="buffers">Byte buffers by length, reused from one layer to the next: the
        /// trits are only read to build the kernel's pair codes, and garbage of this size would
        /// otherwise wait for a full collection and add to the peak memory.</param>
        internal static TernaryMatrix ReadTernary(IWeightsFile file, WeightsFileTensor t, WeightsFileRange range, string model, string source, Dictionary<long, byte[]>? buffers = null)
        {
            long elements = (long)t.Rows * t.Columns;
            if (t.Length != TernaryMatrix.PackedLength(elements))
            {
                throw new InvalidDataException($"model {model}: tensor {t.Name} has {t.Length:N0} bytes, [{t.Rows}, {t.Columns}] needs {TernaryMatrix.PackedLength(elements):N0}");
            }
            byte[]? trits = null;
            if (buffers == null || !buffers.TryGetValue(t.Length, out trits))
            {
                trits = new byte[t.Length];
                buffers?.Add(t.Length, trits);
            }
            file.Read(t.Offset, trits, 0, trits.Length);
            CheckVerified(trits, range, t, model, source);
            long bad = TernaryMatrix.FirstInvalidCode(trits, elements);
            if (bad >= 0)
            {
                throw new InvalidDataException($"model {model}: tensor {t.Name} in {source} has an invalid trit code at element {bad:N0}");
            }
            return new TernaryMatrix(t.Rows, t.Columns, t.Beta, trits);
        }

        /// <summary>A float tensor from a weights file (checked against its scanned hash), widened to float32; values must be finite.</summary>
        internal static float[] ReadFloatTensor(IWeightsFile file, WeightsFileTensor t, WeightsFileRange range, string model, string source)
        {
            float[] result;
            if (t.Dtype == "f32")
            {
                result = new float[t.Length / 4];
                file.ReadFloats(t.Offset, result);
                CheckVerified(MemoryMarshal.AsBytes(result.AsSpan()), range, t, model, source);
            }
            else
            {
                var bytes = new byte[t.Length];
                file.Read(t.Offset, bytes, 0, bytes.Length);
                CheckVerified(bytes, range, t, model, source);
                result = new float[t.Length / 2];
                for (int k = 0; k < result.Length; k++)
                {
                    ushort bits = (ushort)(bytes[2 * k] | bytes[2 * k + 1] << 8);
                    result[k] = t.Dtype == "f16" ? HalfConversion.HalfToSingle(bits) : HalfConversion.BFloat16ToSingle(bits);
                }
            }
            foreach (float f in result)
            {
                if (!float.IsFinite(f))
                {
                    throw new InvalidDataException($"model {model}: tensor {t.Name} in {source} holds {f}");
                }
            }
            return result;
        }

        /// <summary>Bytes read for a tensor must be the bytes the scan verified.</summary>
        private static void CheckVerified(ReadOnlySpan<byte> bytes, WeightsFileRange range, WeightsFileTensor t, string model, string source)
        {
            if (range.Sha256 == null)
            {
                throw new InvalidOperationException($"model {model}: tensor {t.Name} was not verified before it was read");
            }
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(bytes, hash);
            if (!hash.SequenceEqual(range.Sha256))
            {
                throw new InvalidDataException($"model {model}: tensor {t.Name} in {source} is not what was verified a moment before (the weights file changed while the model was loading)");
            }
        }

        /// <summary>
        /// An embedded resource as a weights file. The runtime hands resources out as streams over the
        /// loaded assembly image; when that memory can be addressed (always, for an assembly loaded from
        /// a file or a NativeAOT executable), the file is read straight from it, and the pages each read
        /// touched are given back (<see cref="ResidentPages"/>) so that they do not stay in the resident
        /// set beside the copies made of them.
        /// </summary>
        private sealed unsafe class ResourceWeightsFile : IWeightsFile
        {
            private readonly Stream _stream;
            private readonly bool _releasable;

            public ResourceWeightsFile(Stream stream)
            {
                _stream = stream;
                Length = stream.Length;
                if (stream is UnmanagedMemoryStream memory)
                {
                    Memory = memory.PositionPointer - memory.Position;
                    _releasable = ResidentPages.IsReleasable(Memory, Length);
                }
            }

            public long Length { get; }

            /// <summary>Where the resource's bytes are, or null when the stream does not say.</summary>
            public byte* Memory { get; }

            public void Read(long offset, byte[] buffer, int index, int count) => Read(offset, buffer.AsSpan(index, count));

            public void ReadFloats(long offset, float[] values)
            {
                if (!BitConverter.IsLittleEndian)
                {
                    throw new PlatformNotSupportedException("weights files are little-endian; big-endian hosts are not supported");
                }
                Read(offset, MemoryMarshal.AsBytes(values.AsSpan()));
            }

            private void Read(long offset, Span<byte> destination)
            {
                if (offset < 0 || offset + destination.Length > Length)
                {
                    throw new IOException($"{destination.Length} bytes at {offset} lie outside the resource's {Length}");
                }
                if (Memory == null)
                {
                    _stream.Position = offset;
                    _stream.ReadExactly(destination);
                    return;
                }
                new ReadOnlySpan<byte>(Memory + offset, destination.Length).CopyTo(destination);
                if (_releasable)
                {
                    ResidentPages.Release(Memory + offset, destination.Length);
                }
            }
        }
    }
}
