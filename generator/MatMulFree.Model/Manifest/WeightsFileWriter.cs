using System;
using System.IO;
using System.Security.Cryptography;

namespace MatMulFree.Model.Manifest
{
    /// <summary>
    /// Writes the external weights file of a manifest (docs/manifest.md, "External
    /// weights"): ternary weights and the embeddings whose encoded data is larger
    /// than <see cref="InlineLimitBytes"/> go to the file, each at a 64-byte aligned
    /// offset, zero bytes between them; everything else (norm weights, lower bounds,
    /// small layers) stays inline (<see cref="ManifestWriter"/> decides). The SHA-256
    /// of the file is computed while it is written.
    /// </summary>
    public sealed class WeightsFileWriter : IDisposable
    {
        private readonly Stream _output;
        private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _length;

        /// <param name="relativePath">The file's path relative to the manifest, as the manifest will state it.</param>
        /// <param name="output">Where the file's bytes go (positioned at its start).</param>
        /// <param name="inlineLimitBytes">Tensors of at most this many encoded bytes stay in the manifest.</param>
        public WeightsFileWriter(string relativePath, Stream output, long inlineLimitBytes)
        {
            string? problem = WeightsFileReader.PathProblem(relativePath);
            if (problem != null)
            {
                throw new ArgumentException($"weights path \"{relativePath}\" {problem}", nameof(relativePath));
            }
            RelativePath = relativePath;
            _output = output;
            InlineLimitBytes = inlineLimitBytes;
        }

        public string RelativePath { get; }
        public long InlineLimitBytes { get; }

        /// <summary>Bytes written so far: 0 while every tensor has stayed inline.</summary>
        public long Length => _length;

        /// <summary>Appends the payload if it is too large to stay inline; returns its offset, or -1.</summary>
        public long Place(byte[] payload)
        {
            if (payload.Length <= InlineLimitBytes)
            {
                return -1;
            }
            int pad = (int)((WeightsFileReader.Alignment - _length % WeightsFileReader.Alignment) % WeightsFileReader.Alignment);
            if (pad > 0)
            {
                Append(new byte[pad]);
            }
            long offset = _length;
            Append(payload);
            return offset;
        }

        /// <summary>The manifest's reference to the finished file.</summary>
        public WeightsFileReference Finish()
        {
            _output.Flush();
            return new WeightsFileReference(RelativePath, _length, IntegrityDigest.LowerHex(_sha.GetHashAndReset()));
        }

        private void Append(byte[] bytes)
        {
            _output.Write(bytes, 0, bytes.Length);
            _sha.AppendData(bytes);
            _length += bytes.Length;
        }

        public void Dispose() => _sha.Dispose();
    }
}
