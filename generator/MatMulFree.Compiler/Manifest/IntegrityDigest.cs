using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;

namespace MatMulFree.Compiler.Manifest
{
    /// <summary>
    /// The manifest's integrity hash (docs/manifest.md): SHA-256 over the tensors
    /// in ordinal order of their names, each as name, 0, dtype, 0, its dimensions
    /// as little-endian uint32, the beta as little-endian float32 for ternary
    /// tensors, then the decoded data bytes.
    /// </summary>
    internal static class IntegrityDigest
    {
        /// <param name="file">Where tensors left unread (<see cref="DecodedTensor.External"/>) are
        /// hashed from, in chunks.</param>
        public static string Compute(Dictionary<string, DecodedTensor> tensors, IWeightsFile? file = null)
        {
            var names = new List<string>(tensors.Keys);
            names.Sort(StringComparer.Ordinal);
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var four = new byte[4];
            foreach (var name in names)
            {
                var t = tensors[name];
                sha.AppendData(Encoding.UTF8.GetBytes(name));
                sha.AppendData(new byte[] { 0 });
                sha.AppendData(Encoding.ASCII.GetBytes(t.Dtype));
                sha.AppendData(new byte[] { 0 });
                foreach (var d in t.Slot.Shape)
                {
                    WriteUInt32(four, (uint)d);
                    sha.AppendData(four);
                }
                if (t.Slot.Kind == TensorKind.Ternary)
                {
                    WriteUInt32(four, Numerics.PortableMath.Bits(t.Beta));
                    sha.AppendData(four);
                }
                if (t.External != null)
                {
                    AppendFromFile(sha, file!, t.External);
                }
                else
                {
                    t.AppendPayload(sha);
                }
            }
            return LowerHex(sha.GetHashAndReset());
        }

        private static void AppendFromFile(IncrementalHash sha, IWeightsFile file, ExternalRange range)
        {
            var chunk = new byte[(int)System.Math.Min(1 << 20, range.Length)];
            for (long done = 0; done < range.Length; done += chunk.Length)
            {
                if (range.Length - done < chunk.Length)
                {
                    chunk = new byte[range.Length - done];
                }
                file.Read(range.Offset + done, chunk);
                sha.AppendData(chunk);
            }
        }

        /// <summary>A hash as lowercase hexadecimal digits, the manifest's spelling.</summary>
        public static string LowerHex(byte[] hash)
        {
            var sb = new StringBuilder(hash.Length * 2);
            foreach (var b in hash)
            {
                sb.Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            }
            return sb.ToString();
        }

        private static void WriteUInt32(byte[] buffer, uint value)
        {
            buffer[0] = (byte)value;
            buffer[1] = (byte)(value >> 8);
            buffer[2] = (byte)(value >> 16);
            buffer[3] = (byte)(value >> 24);
        }
    }
}
