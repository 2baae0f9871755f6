using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using MatMulFree.Model;
using MatMulFree.Model.Text;

namespace MatMulFree.Model.Manifest
{
    /// <summary>
    /// Writes a model as a manifest, format v1 (docs/manifest.md): float tensors as
    /// f32, ternary ones as trit2 with their beta, the tokenizer and kernel choices,
    /// and the integrity digest. Reading the text back gives the same model; a model
    /// read from a manifest is written with the same digest.
    /// </summary>
    public static class ManifestWriter
    {
        public static string Write(ModelDefinition model) => Write(model, null);

        /// <summary>Writes the manifest text; with <paramref name="external"/>, tensors larger
        /// than its inline limit go to the weights file instead (docs/manifest.md).</summary>
        public static string Write(ModelDefinition model, WeightsFileWriter? external)
        {
            var a = model.Architecture;
            var c = CultureInfo.InvariantCulture;
            var tensors = new Dictionary<string, DecodedTensor>(StringComparer.Ordinal);
            var slots = new Dictionary<string, TensorSlot>(StringComparer.Ordinal);
            foreach (var slot in TensorCatalog.For(a))
            {
                slots[slot.Name] = slot;
            }
            var sb = new StringBuilder();
            sb.Append("{\n \"format\": ").Append(JsonText.Quote(ManifestReader.FormatId)).Append(",\n \"version\": ").Append(ManifestReader.SupportedVersion);
            sb.Append(",\n \"name\": ").Append(JsonText.Quote(model.Name)).Append(",\n \"architecture\": {");
            sb.Append($"\"family\": {JsonText.Quote(a.Family)}, \"layers\": {a.Layers}, \"hidden\": {a.Hidden}, \"intermediate\": {a.Intermediate}, \"vocab\": {a.Vocab}, ");
            sb.Append($"\"rms_norm_eps\": {a.RmsNormEps.ToString("R", c)}, \"bos\": {a.Bos}, \"eos\": {a.Eos}}},\n");
            sb.Append(" \"tokenizer\": ").Append(Tokenizer(model.Tokenizer)).Append(",\n");
            if (model.KernelOverrides.Count > 0)
            {
                sb.Append(" \"kernels\": {");
                bool first = true;
                foreach (var k in model.KernelOverrides)
                {
                    sb.Append(first ? "" : ", ").Append(JsonText.Quote(k.Key)).Append(": ").Append(JsonText.Quote(k.Value));
                    first = false;
                }
                sb.Append("},\n");
            }
            sb.Append(" \"tensors\": {");
            bool firstTensor = true;
            foreach (var t in TensorInventory.Of(model))
            {
                var slot = slots[t.Name];
                sb.Append(firstTensor ? "\n  " : ",\n  ").Append(JsonText.Quote(t.Name)).Append(": {");
                firstTensor = false;
                string shape = "[" + string.Join(", ", t.Shape) + "]";
                if (t.Ternary != null)
                {
                    var payload = t.Ternary.PackedTrits;
                    tensors[t.Name] = new DecodedTensor(slot, "trit2", payload, null, t.Ternary.Beta);
                    sb.Append($"\"dtype\": \"trit2\", \"shape\": {shape}, \"beta\": {t.Ternary.Beta.ToString("R", c)}, ").Append(Data(payload, external)).Append('}');
                }
                else
                {
                    var payload = new byte[t.Values!.Length * 4];
                    Buffer.BlockCopy(t.Values, 0, payload, 0, payload.Length);
                    if (!BitConverter.IsLittleEndian)
                    {
                        throw new PlatformNotSupportedException("manifests are little-endian; big-endian hosts are not supported");
                    }
                    tensors[t.Name] = new DecodedTensor(slot, "f32", null, t.Values, 0f);
                    // Of the float tensors only the embeddings may go to the weights file: norms and
                    // lower bounds stay inline, where a compiler that defers the file can read them.
                    var where = t.Name == TensorNames.Embeddings ? external : null;
                    sb.Append($"\"dtype\": \"f32\", \"shape\": {shape}, ").Append(Data(payload, where)).Append('}');
                }
            }
            sb.Append("\n },");
            // A weights file that received nothing (every tensor small enough to stay inline) is not referenced.
            if (external != null && external.Length > 0)
            {
                var file = external.Finish();
                sb.Append("\n \"weights\": {\"path\": ").Append(JsonText.Quote(file.Path)).Append($", \"size\": {file.Size}, \"sha256\": \"{file.Sha256}\"}},");
            }
            sb.Append("\n \"integrity\": {\"algorithm\": \"sha256\", \"digest\": \"").Append(IntegrityRecords.Of(model.Name, a, model.Tokenizer, model.KernelOverrides, tensors).Digest()).Append("\"}\n}\n");
            return sb.ToString();
        }

        /// <summary>A tensor's data: inline base64, or its place in the weights file.</summary>
        private static string Data(byte[] payload, WeightsFileWriter? external)
        {
            long offset = external?.Place(payload) ?? -1;
            return offset < 0
                ? $"\"data\": \"{Convert.ToBase64String(payload)}\""
                : $"\"file\": {{\"offset\": {offset}, \"length\": {payload.Length}}}";
        }

        private static string Tokenizer(TokenizerSpec t)
        {
            var sb = new StringBuilder("{\"type\": ").Append(JsonText.Quote(t.Kind));
            if (t.Kind == TokenizerSpec.ByteKind)
            {
                sb.Append(", \"byte_offset\": ").Append(t.ByteOffset);
            }
            else
            {
                sb.Append(", \"pieces\": [");
                for (int k = 0; k < t.Pieces.Count; k++)
                {
                    sb.Append(k > 0 ? ", " : "").Append(t.Pieces[k] == null ? "null" : JsonText.Quote(t.Pieces[k]!));
                }
                sb.Append("], \"merges\": [");
                for (int k = 0; k < t.Merges.Count; k++)
                {
                    sb.Append(k > 0 ? ", " : "").Append(JsonText.Quote(t.Merges[k]));
                }
                sb.Append("], \"unk\": ").Append(t.Unk);
            }
            sb.Append(", \"special_tokens\": {");
            for (int k = 0; k < t.SpecialTokens.Count; k++)
            {
                sb.Append(k > 0 ? ", " : "").Append(JsonText.Quote(t.SpecialTokens[k].Text)).Append(": ").Append(t.SpecialTokens[k].Id);
            }
            return sb.Append("}}").ToString();
        }
    }
}
