using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace MatMulFree.Tests
{
    /// <summary>
    /// The integrity digest of docs/manifest.md written again from the document, apart from the
    /// reader's code (tools/reference/digest.py is the Python twin): what tests use to make an
    /// edited manifest valid again.
    /// </summary>
    internal static class IndependentDigest
    {
        /// <summary>docs/manifest.md's digest, written again from the document (as tools/reference/digest.py does).</summary>
        public static string Of(JsonObject root)
        {
            static byte[] Str(string s) =>
                BitConverter.GetBytes(s.Length).Concat(s.SelectMany(c => BitConverter.GetBytes((ushort)c))).ToArray();
            static byte[] I(int v) => BitConverter.GetBytes(v);
            static byte[] F(JsonNode n) => BitConverter.GetBytes(float.Parse(n.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture));
            var a = root["architecture"]!.AsObject();
            var t = root["tokenizer"]!.AsObject();
            var model = new List<byte>();
            model.AddRange(Str((string)root["name"]!));
            model.AddRange(Str((string)a["family"]!));
            foreach (var key in new[] { "layers", "hidden", "intermediate", "vocab" }) model.AddRange(I((int)a[key]!));
            model.AddRange(F(a["rms_norm_eps"]!));
            model.AddRange(I((int)a["bos"]!));
            model.AddRange(I((int)a["eos"]!));
            model.AddRange(Str((string)t["type"]!));
            var specials = t["special_tokens"]!.AsObject();
            if ((string)t["type"]! == "byte")
            {
                model.AddRange(I((int)t["byte_offset"]!));
            }
            else
            {
                var pieces = t["pieces"]!.AsArray();
                model.AddRange(I(pieces.Count));
                foreach (var p in pieces)
                {
                    if (p == null) model.Add(0);
                    else { model.Add(1); model.AddRange(Str((string)p!)); }
                }
                var merges = t["merges"]!.AsArray();
                model.AddRange(I(merges.Count));
                foreach (var m in merges) model.AddRange(Str((string)m!));
                model.AddRange(I(t["unk"] is JsonNode unk ? (int)unk : specials["<unk>"] is JsonNode u ? (int)u : (int)a["bos"]!));
            }
            model.AddRange(I(specials.Count));
            foreach (var p in specials)
            {
                model.AddRange(Str(p.Key));
                model.AddRange(I((int)p.Value!));
            }
            var kernels = root["kernels"]?.AsObject();
            model.AddRange(I(kernels?.Count ?? 0));
            foreach (var p in (kernels ?? new JsonObject()).OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                model.AddRange(Str(p.Key));
                model.AddRange(Str((string)p.Value!));
            }
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            sha.AppendData(Encoding.ASCII.GetBytes("matmulfree-digest-2\0"));
            sha.AppendData(SHA256.HashData(model.ToArray()));
            var tensors = root["tensors"]!.AsObject();
            foreach (var name in tensors.Select(p => p.Key).OrderBy(k => k, StringComparer.Ordinal))
            {
                var tensor = tensors[name]!.AsObject();
                var record = new List<byte>();
                record.AddRange(Str(name));
                record.AddRange(Str((string)tensor["dtype"]!));
                var shape = tensor["shape"]!.AsArray();
                record.AddRange(I(shape.Count));
                foreach (var d in shape) record.AddRange(I((int)d!));
                if (tensor["beta"] is JsonNode beta) record.AddRange(F(beta));
                record.AddRange(SHA256.HashData(Convert.FromBase64String((string)tensor["data"]!)));
                sha.AppendData(SHA256.HashData(record.ToArray()));
            }
            return Convert.ToHexStringLower(sha.GetHashAndReset());
        }

        /// <summary>The manifest text with its digest recomputed for what it now says.</summary>
        public static string Rewrite(string text)
        {
            var root = JsonNode.Parse(text)!.AsObject();
            root["integrity"]!["digest"] = Of(root);
            return root.ToJsonString();
        }
    }
}
