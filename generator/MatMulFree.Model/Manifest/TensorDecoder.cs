using System;
using System.Collections.Generic;
using System.Globalization;
using MatMulFree.Model;
using MatMulFree.Model.Json;
using MatMulFree.Model.Numerics;

namespace MatMulFree.Model.Manifest
{
    /// <summary>
    /// Checks one tensor entry of a manifest against the slot the architecture
    /// gives it (dtype, shape, data length, base64, trit codes, scale, finite
    /// values) and decodes it.
    /// </summary>
    internal static class TensorDecoder
    {
        private static readonly string[] FloatDtypes = { "f32", "f16", "bf16" };
        private const string TernaryDtype = "trit2";

        public static DecodedTensor? Decode(TensorSlot slot, JsonValue entry, string ptr, OpenedWeightsFile? external, ManifestValidation v)
        {
            if (v.Object(entry, ptr) == null)
            {
                return null;
            }
            bool ternary = slot.Kind == TensorKind.Ternary;
            v.NoOtherProperties(entry, ternary ? new[] { "dtype", "shape", "beta", "data", "file" } : new[] { "dtype", "shape", "data", "file" }, ptr);

            var dtypeValue = v.Required(entry, "dtype", ptr);
            string? dtype = v.String(dtypeValue, ptr + "/dtype");
            if (dtype != null)
            {
                bool ok = ternary ? dtype == TernaryDtype : Array.IndexOf(FloatDtypes, dtype) >= 0;
                if (!ok)
                {
                    v.Add(ManifestErrorKind.InvalidDtype,
                        ternary
                            ? $"dtype \"{ManifestValidation.Shorten(dtype)}\" is not allowed for a ternary weight: expected \"{TernaryDtype}\" (2-bit trits)"
                            : $"dtype \"{ManifestValidation.Shorten(dtype)}\" is not allowed for a full-precision tensor: expected f32, f16 or bf16",
                        ptr + "/dtype", dtypeValue!.Span);
                    dtype = null;
                }
            }

            bool shapeOk = CheckShape(slot, v.Required(entry, "shape", ptr), ptr + "/shape", v);

            float beta = 0f;
            if (ternary)
            {
                var betaValue = v.Required(entry, "beta", ptr);
                if (betaValue != null && v.OfKind(betaValue, JsonKind.Number, ptr + "/beta") != null)
                {
                    bool parsed = float.TryParse(betaValue.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out beta);
                    if (!parsed || float.IsNaN(beta) || float.IsInfinity(beta) || beta <= 0f)
                    {
                        v.Add(ManifestErrorKind.InvalidScale, $"beta {ManifestValidation.Shorten(betaValue.Text)} is not a positive finite float32", ptr + "/beta", betaValue.Span);
                        beta = -1f;
                    }
                }
                else
                {
                    beta = -1f;
                }
            }

            var fileProperty = entry.Find("file");
            var dataValue = fileProperty == null ? v.Required(entry, "data", ptr) : entry.Find("data")?.Value;
            if (fileProperty != null && dataValue != null)
            {
                v.Add(ManifestErrorKind.UnexpectedProperty, "a tensor has \"data\" or \"file\", not both", ptr + "/file", fileProperty.NameSpan);
                return null;
            }
            var data = fileProperty == null ? v.OfKind(dataValue, JsonKind.String, ptr + "/data") : null;
            if (dtype == null || !shapeOk || (data == null && fileProperty == null) || beta < 0f)
            {
                return null;
            }

            long elements = slot.ElementCount;
            long bytes = dtype switch
            {
                "f32" => elements * 4,
                "f16" => elements * 2,
                "bf16" => elements * 2,
                _ => (elements + 3) / 4,
            };
            string dataPtr = fileProperty == null ? ptr + "/data" : ptr + "/file";
            var dataSpan = fileProperty == null ? dataValue!.Span : fileProperty.Value.Span;
            byte[]? payload;
            float[]? values = null;
            if (fileProperty == null)
            {
                payload = DecodeBase64(data!, bytes, dataPtr, dataSpan, v);
            }
            else
            {
                // An f32 tensor in a weights file is read straight into its values.
                // Only ternary weights and the embeddings are ever deferred; other tensors in the
                // file are read now (the runtime) or refused (the generator, which has no file).
                bool defer = external != null && external.Deferred && (slot.Kind == TensorKind.Ternary || slot.Name == TensorNames.Embeddings);
                payload = ReadFromFile(fileProperty.Value, bytes, dataPtr, external, defer, v, dtype == "f32", out values);
                if (payload != null && external!.Deferred && !defer && external.File == null)
                {
                    v.Add(ManifestErrorKind.WeightsFile,
                        $"\"{slot.Name}\" is in the weights file; a compiler that defers the file needs it inline (only ternary weights and the embeddings may be external)",
                        dataPtr, dataSpan);
                    return null;
                }
                if (payload != null && defer)
                {
                    // f32 embeddings stay in the file and are read a row per token: each row is hashed.
                    var file = fileProperty.Value;
                    int rowBytes = slot.Kind == TensorKind.Float && dtype == "f32" ? (int)(4 * slot.Shape[1]) : 0;
                    return new DecodedTensor(slot, dtype, beta, new WeightsFileRange(
                        long.Parse(file.Find("offset")!.Value.Text, CultureInfo.InvariantCulture), bytes, dtype, rowBytes));
                }
            }
            if (payload == null)
            {
                return null;
            }
            if (ternary)
            {
                return CheckTrits(payload, slot, dataPtr, dataSpan, v)
                    ? new DecodedTensor(slot, dtype, payload, null, beta)
                    : null;
            }
            values ??= Widen(payload, dtype, elements);
            for (int k = 0; k < values.Length; k++)
            {
                if (float.IsNaN(values[k]) || float.IsInfinity(values[k]))
                {
                    v.Add(ManifestErrorKind.NonFiniteValue, $"element {DescribeIndex(slot, k)} of \"{slot.Name}\" is {values[k]}: tensors must be finite", dataPtr, dataSpan);
                    return null;
                }
            }
            return new DecodedTensor(slot, dtype, dtype == "f32" ? null : payload, values, 0f);
        }

        /// <summary>A <c>"file": {"offset", "length"}</c> entry: the range is checked against the
        /// dtype and shape and the weights file before a buffer of its length is made.</summary>
        private static byte[]? ReadFromFile(JsonValue file, long bytes, string ptr, OpenedWeightsFile? external, bool defer, ManifestValidation v, bool asFloats, out float[]? floats)
        {
            floats = null;
            if (v.Object(file, ptr) == null)
            {
                return null;
            }
            v.NoOtherProperties(file, new[] { "offset", "length" }, ptr);
            long? offset = v.Long(v.Required(file, "offset", ptr), ptr + "/offset", ManifestLimits.MaxWeightsBytes);
            long? length = v.Long(v.Required(file, "length", ptr), ptr + "/length", ManifestLimits.MaxWeightsBytes);
            if (offset == null || length == null)
            {
                return null;
            }
            if (length.Value != bytes)
            {
                v.Add(ManifestErrorKind.WrongDataLength, $"length {length.Value:N0} bytes, but the dtype and shape need {bytes:N0}", ptr + "/length", file.Find("length")!.Value.Span);
                return null;
            }
            if (length.Value > int.MaxValue - 64)
            {
                v.Add(ManifestErrorKind.TooLarge, $"{length.Value:N0} bytes is more than one tensor may have", ptr + "/length", file.Find("length")!.Value.Span);
                return null;
            }
            if (offset.Value % WeightsFileReader.Alignment != 0)
            {
                v.Add(ManifestErrorKind.WeightsFile, $"offset {offset.Value:N0} is not a multiple of {WeightsFileReader.Alignment}", ptr + "/offset", file.Find("offset")!.Value.Span);
                return null;
            }
            if (external == null)
            {
                v.Add(ManifestErrorKind.WeightsFile, "the tensor's data is in a file, but the manifest has no \"weights\" object naming one", ptr, file.Span);
                return null;
            }
            if (offset.Value + length.Value > external.Reference.Size)
            {
                v.Add(ManifestErrorKind.WeightsFile,
                    $"bytes {offset.Value:N0} to {offset.Value + length.Value:N0} lie outside the {external.Reference.Size:N0}-byte weights file",
                    ptr, file.Span);
                return null;
            }
            if (defer || (external.Deferred && external.File == null))
            {
                return Array.Empty<byte>(); // validated, not read: the caller records the range (or refuses it)
            }
            if (external.File == null)
            {
                return null; // the file could not be used; reported once at /weights
            }
            try
            {
                if (asFloats)
                {
                    // Allocated only now that the range is known to lie inside the (checked) file.
                    floats = new float[length.Value / 4];
                    external.File.ReadFloats(offset.Value, floats);
                    return Array.Empty<byte>();
                }
                var payload = new byte[length.Value];
                external.File.Read(offset.Value, payload, 0, payload.Length);
                return payload;
            }
            catch (System.IO.IOException e)
            {
                v.Add(ManifestErrorKind.WeightsFile, $"the weights file cannot be read: {e.Message}", ptr, file.Span);
                return null;
            }
        }

        private static bool CheckShape(TensorSlot slot, JsonValue? value, string ptr, ManifestValidation v)
        {
            if (v.OfKind(value, JsonKind.Array, ptr) == null)
            {
                return false;
            }
            var dims = new List<string>();
            bool same = value!.Items.Count == slot.Shape.Length;
            for (int k = 0; k < value.Items.Count; k++)
            {
                var item = value.Items[k];
                dims.Add(item.Kind == JsonKind.Number ? ManifestValidation.Shorten(item.Text) : "?");
                if (!(item.Kind == JsonKind.Number && k < slot.Shape.Length
                      && long.TryParse(item.Text, NumberStyles.None, CultureInfo.InvariantCulture, out long d) && d == slot.Shape[k]))
                {
                    same = false;
                }
            }
            if (!same)
            {
                v.Add(ManifestErrorKind.WrongShape,
                    $"\"{slot.Name}\" has shape [{string.Join(", ", dims)}], the architecture requires [{string.Join(", ", slot.Shape)}]",
                    ptr, value.Span);
            }
            return same;
        }

        /// <summary>Standard padded base64 of exactly <paramref name="bytes"/> bytes, checked
        /// character by character before anything is allocated, and decoded where it lies in
        /// the manifest's text (a tensor's string is not copied).</summary>
        private static byte[]? DecodeBase64(JsonValue data, long bytes, string ptr, SourceSpan span, ManifestValidation v)
        {
            long expectedChars = (bytes + 2) / 3 * 4;
            bool raw = data.TryGetRawString(out string text, out int start, out int length);
            if (!raw)
            {
                // JSON writers may escape '/' or '+' (System.Text.Json writes \u002B): decoded, then read.
                text = data.Text;
                start = 0;
                length = text.Length;
            }
            if (length != expectedChars)
            {
                long holds = length / 4 * 3;
                v.Add(ManifestErrorKind.WrongDataLength,
                    $"data has {length:N0} base64 characters (about {holds:N0} bytes); the dtype and shape need {bytes:N0} bytes ({expectedChars:N0} characters)",
                    ptr, span);
                return null;
            }
            int padding = (int)((3 - bytes % 3) % 3);
            for (int k = 0; k < length; k++)
            {
                char c = text[start + k];
                bool isPad = k >= length - padding;
                bool ok = isPad ? c == '=' : Base64Digit(c) >= 0;
                if (!ok)
                {
                    // Point at the character itself when the string has no escapes (then offsets match the text).
                    var at = raw ? new SourceSpan(span.Start + 1 + k, 1, span.Line, span.Column + 1 + k) : span;
                    v.Add(ManifestErrorKind.InvalidBase64,
                        $"invalid base64 at character {k:N0} of the data: '{(c < ' ' || c > '~' ? "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture) : c.ToString())}'",
                        ptr, at);
                    return null;
                }
            }
            var payload = new byte[bytes];
            int o = 0;
            for (int k = 0; k < length; k += 4)
            {
                int a = Base64Digit(text[start + k]), b = Base64Digit(text[start + k + 1]);
                int c = Base64Digit(text[start + k + 2]), d = Base64Digit(text[start + k + 3]);
                payload[o++] = (byte)(a << 2 | b >> 4);
                if (o < payload.Length) payload[o++] = (byte)(b << 4 | c >> 2);
                if (o < payload.Length) payload[o++] = (byte)(c << 6 | d);
            }
            return payload;
        }

        /// <summary>The value of a base64 digit, or -1 ('=' and every other character).</summary>
        private static int Base64Digit(char c) =>
            c >= 'A' && c <= 'Z' ? c - 'A'
            : c >= 'a' && c <= 'z' ? c - 'a' + 26
            : c >= '0' && c <= '9' ? c - '0' + 52
            : c == '+' ? 62 : c == '/' ? 63 : -1;

        private static bool CheckTrits(byte[] payload, TensorSlot slot, string ptr, SourceSpan span, ManifestValidation v)
        {
            long elements = slot.ElementCount;
            long j = TernaryMatrix.FirstInvalidCode(payload, elements);
            if (j >= 0 && j < elements)
            {
                v.Add(ManifestErrorKind.InvalidTrit, $"trit code 3 at element {DescribeIndex(slot, j)} of \"{slot.Name}\": codes are 0 (zero), 1 (+1), 2 (-1)", ptr, span);
                return false;
            }
            if (j >= 0)
            {
                v.Add(ManifestErrorKind.InvalidTrit, $"the padding bits after the last trit of \"{slot.Name}\" must be zero", ptr, span);
                return false;
            }
            return true;
        }

        private static string DescribeIndex(TensorSlot slot, long flat)
        {
            if (slot.Shape.Length == 2)
            {
                return $"[{flat / slot.Shape[1]}, {flat % slot.Shape[1]}]";
            }
            return $"[{flat}]";
        }

        private static float[] Widen(byte[] payload, string dtype, long elements)
        {
            var values = new float[elements];
            for (int k = 0; k < values.Length; k++)
            {
                switch (dtype)
                {
                    case "f32":
                        values[k] = BitConverter.ToSingle(payload, 4 * k);
                        break;
                    case "f16":
                        values[k] = HalfConversion.HalfToSingle((ushort)(payload[2 * k] | payload[2 * k + 1] << 8));
                        break;
                    default:
                        values[k] = HalfConversion.BFloat16ToSingle((ushort)(payload[2 * k] | payload[2 * k + 1] << 8));
                        break;
                }
            }
            return values;
        }
    }
}
