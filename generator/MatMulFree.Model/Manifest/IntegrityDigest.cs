using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;
using MatMulFree.Model;

namespace MatMulFree.Model.Manifest
{
    /// <summary>
    /// The manifest's integrity digest (docs/manifest.md, "Integrity digest"): SHA-256
    /// over everything that decides what the model computes or emits, in two levels
    /// so that each tensor's bytes can be hashed where and when they are read:
    /// <code>
    /// digest = SHA-256( "matmulfree-digest-2" 0x00, model record hash,
    ///                   each tensor's record hash in ordinal order of the names )
    /// model record  = name, architecture, tokenizer, kernel choices
    /// tensor record = name, dtype, rank, dimensions, beta (trit2 only), SHA-256 of its data bytes
    /// </code>
    /// Strings are written as their UTF-16 code-unit count (uint32) and code units
    /// (uint16), integers as int32, floats as their float32 bits, all little-endian.
    /// Not covered: "metadata" (free-form) and where the weights file is ("weights"),
    /// whose bytes the tensor records cover.
    /// </summary>
    public static class IntegrityDigest
    {
        public const string Domain = "matmulfree-digest-2";

        /// <summary>The digest of a model record hash and its tensors' record hashes (by tensor name).</summary>
        public static string Combine(byte[] modelRecord, IEnumerable<KeyValuePair<string, byte[]>> tensorRecords)
        {
            var sorted = new List<KeyValuePair<string, byte[]>>(tensorRecords);
            sorted.Sort((x, y) => string.CompareOrdinal(x.Key, y.Key));
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            sha.AppendData(Encoding.ASCII.GetBytes(Domain));
            sha.AppendData(new byte[] { 0 });
            sha.AppendData(modelRecord);
            foreach (var t in sorted)
            {
                sha.AppendData(t.Value);
            }
            return LowerHex(sha.GetHashAndReset());
        }

        /// <summary>SHA-256 of the model record: name, architecture, tokenizer, kernel choices.</summary>
        public static byte[] ModelRecord(string name, Architecture a, TokenizerSpec t, IReadOnlyDictionary<string, string> kernels)
        {
            var r = new Record();
            r.String(name);
            r.String(a.Family);
            r.Int(a.Layers);
            r.Int(a.Hidden);
            r.Int(a.Intermediate);
            r.Int(a.Vocab);
            r.Float(a.RmsNormEps);
            r.Int(a.Bos);
            r.Int(a.Eos);
            r.String(t.Kind);
            if (t.Kind == TokenizerSpec.ByteKind)
            {
                r.Int(t.ByteOffset);
            }
            else
            {
                r.Int(t.Pieces.Count);
                foreach (var piece in t.Pieces)
                {
                    if (piece == null)
                    {
                        r.Byte(0);
                    }
                    else
                    {
                        r.Byte(1);
                        r.String(piece);
                    }
                }
                r.Int(t.Merges.Count);
                foreach (var merge in t.Merges)
                {
                    r.String(merge);
                }
                r.Int(t.Unk);
            }
            r.Int(t.SpecialTokens.Count);
            foreach (var s in t.SpecialTokens)
            {
                r.String(s.Text);
                r.Int(s.Id);
            }
            var names = new List<string>(kernels.Keys);
            names.Sort(StringComparer.Ordinal);
            r.Int(names.Count);
            foreach (var n in names)
            {
                r.String(n);
                r.String(kernels[n]);
            }
            return r.Finish();
        }

        /// <summary>SHA-256 of one tensor's record; <paramref name="payloadSha256"/> is SHA-256 of its data bytes as stored.</summary>
        public static byte[] TensorRecord(string name, string dtype, IReadOnlyList<long> shape, float beta, byte[] payloadSha256)
        {
            var r = new Record();
            r.String(name);
            r.String(dtype);
            r.Int(shape.Count);
            foreach (var d in shape)
            {
                r.Int((int)d);
            }
            if (dtype == "trit2")
            {
                r.Float(beta);
            }
            r.Bytes(payloadSha256);
            return r.Finish();
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

        /// <summary>64 hexadecimal digits as 32 bytes.</summary>
        public static byte[] FromHex(string hex)
        {
            if (hex.Length != 64)
            {
                throw new ArgumentException("a SHA-256 is 64 hexadecimal digits", nameof(hex));
            }
            var bytes = new byte[32];
            for (int k = 0; k < 32; k++)
            {
                int hi = Json.JsonTree.Hex(hex[2 * k]), lo = Json.JsonTree.Hex(hex[2 * k + 1]);
                if (hi < 0 || lo < 0)
                {
                    throw new ArgumentException("a SHA-256 is 64 hexadecimal digits", nameof(hex));
                }
                bytes[k] = (byte)(hi << 4 | lo);
            }
            return bytes;
        }

        /// <summary>The little-endian encoding of one record, hashed as it is written.</summary>
        private sealed class Record
        {
            private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            private readonly byte[] _four = new byte[4];

            public void Byte(byte b) => _sha.AppendData(new[] { b });

            public void Int(int value)
            {
                _four[0] = (byte)value;
                _four[1] = (byte)(value >> 8);
                _four[2] = (byte)(value >> 16);
                _four[3] = (byte)(value >> 24);
                _sha.AppendData(_four);
            }

            public void Float(float value) => Int((int)Numerics.PortableMath.Bits(value));

            public void String(string s)
            {
                Int(s.Length);
                var units = new byte[2 * s.Length];
                for (int k = 0; k < s.Length; k++)
                {
                    units[2 * k] = (byte)s[k];
                    units[2 * k + 1] = (byte)(s[k] >> 8);
                }
                _sha.AppendData(units);
            }

            public void Bytes(byte[] bytes) => _sha.AppendData(bytes);

            public byte[] Finish()
            {
                var hash = _sha.GetHashAndReset();
                _sha.Dispose();
                return hash;
            }
        }
    }
}
