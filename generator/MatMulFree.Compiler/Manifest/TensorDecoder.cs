using System;
using System.Collections.Generic;
using System.Globalization;
using MatMulFree.Compiler.Json;
using MatMulFree.Compiler.Numerics;

namespace MatMulFree.Compiler.Manifest
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

        public static DecodedTensor? Decode(TensorSlot slot, JsonValue entry, string ptr, ManifestValidation v)
        {
            if (v.Object(entry, ptr) == null)
            {
                return null;
            }
            bool ternary = slot.Kind == TensorKind.Ternary;
            v.NoOtherProperties(entry, ternary ? new[] { "dtype", "shape", "beta", "data" } : new[] { "dtype", "shape", "data" }, ptr);

            var dtypeValue = v.Required(entry, "dtype", ptr);
            string? dtype = v.String(dtypeValue, ptr + "/dtype");
            if (dtype != null)
            {
                bool ok = ternary ? dtype == TernaryDtype : Array.IndexOf(FloatDtypes, dtype) >= 0;
                if (!ok)
                {
                    v.Add(ManifestErrorKind.InvalidDtype,
                        ternary
                            ? $"dtype \"{dtype}\" is not allowed for a ternary weight: expected \"{TernaryDtype}\" (2-bit trits)"
                            : $"dtype \"{dtype}\" is not allowed for a full-precision tensor: expected f32, f16 or bf16",
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

            var dataValue = v.Required(entry, "data", ptr);
            string? data = v.String(dataValue, ptr + "/data");
            if (dtype == null || !shapeOk || data == null || beta < 0f)
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
            var payload = DecodeBase64(data, bytes, ptr + "/data", dataValue!.Span, v);
            if (payload == null)
            {
                return null;
            }
            if (ternary)
            {
                return CheckTrits(payload, slot, ptr + "/data", dataValue.Span, v)
                    ? new DecodedTensor(slot, dtype, payload, null, beta)
                    : null;
            }
            var values = Widen(payload, dtype, elements);
            for (int k = 0; k < values.Length; k++)
            {
                if (float.IsNaN(values[k]) || float.IsInfinity(values[k]))
                {
                    v.Add(ManifestErrorKind.NonFiniteValue, $"element {DescribeIndex(slot, k)} of \"{slot.Name}\" is {values[k]}: tensors must be finite", ptr + "/data", dataValue.Span);
                    return null;
                }
            }
            return new DecodedTensor(slot, dtype, payload, values, 0f);
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
        /// character by character before anything is allocated.</summary>
        private static byte[]? DecodeBase64(string data, long bytes, string ptr, SourceSpan span, ManifestValidation v)
        {
            long expectedChars = (bytes + 2) / 3 * 4;
            if (data.Length != expectedChars)
            {
                long holds = data.Length / 4 * 3;
                v.Add(ManifestErrorKind.WrongDataLength,
                    $"data has {data.Length:N0} base64 characters (about {holds:N0} bytes); the dtype and shape need {bytes:N0} bytes ({expectedChars:N0} characters)",
                    ptr, span);
                return null;
            }
            int padding = (int)((3 - bytes % 3) % 3);
            for (int k = 0; k < data.Length; k++)
            {
                char c = data[k];
                bool isPad = k >= data.Length - padding;
                bool ok = isPad ? c == '=' : (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
                if (!ok)
                {
                    // Point at the character itself (data has no escapes where it is valid base64).
                    var at = new SourceSpan(span.Start + 1 + k, 1, span.Line, span.Column + 1 + k);
                    v.Add(ManifestErrorKind.InvalidBase64,
                        $"invalid base64 at character {k:N0} of the data: '{(c < ' ' || c > '~' ? "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture) : c.ToString())}'",
                        ptr, at);
                    return null;
                }
            }
            return Convert.FromBase64String(data);
        }

        private static bool CheckTrits(byte[] payload, TensorSlot slot, string ptr, SourceSpan span, ManifestValidation v)
        {
            long elements = slot.ElementCount;
            for (long j = 0; j < (long)payload.Length * 4; j++)
            {
                int code = (payload[j >> 2] >> (int)(2 * (j & 3))) & 3;
                if (j < elements && code == 3)
                {
                    v.Add(ManifestErrorKind.InvalidTrit, $"trit code 3 at element {DescribeIndex(slot, j)} of \"{slot.Name}\": codes are 0 (zero), 1 (+1), 2 (-1)", ptr, span);
                    return false;
                }
                if (j >= elements && code != 0)
                {
                    v.Add(ManifestErrorKind.InvalidTrit, $"the padding bits after the last trit of \"{slot.Name}\" must be zero", ptr, span);
                    return false;
                }
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
