using System;
using System.Globalization;
using MatMulFree.Model;
using MatMulFree.Model.Json;
using MatMulFree.Model.Manifest;

namespace MatMulFree.Conversion
{
    /// <summary>
    /// A Hugging Face <c>config.json</c> of an HGRN-Bit model (model_type
    /// "hgrn_bit", the released MMfreeLM checkpoints) read as an
    /// <see cref="Architecture"/>. Options this compiler does not build (several
    /// heads, expansion, short convolutions, no lower bounds, tied embeddings,
    /// mixture of experts) are refused with the field and its place, not ignored.
    /// </summary>
    public static class HuggingFaceConfig
    {
        /// <summary>The fields read; a config.json has many more (architectures, torch_dtype, ...), which are
        /// checked as JSON and not kept, whatever their size.</summary>
        private static readonly JsonReaderOptions Fields = new JsonReaderOptions
        {
            KeepTopLevel = new[]
            {
                "model_type", "num_heads", "expand_ratio", "use_short_conv", "use_lower_bound", "tie_word_embeddings", "use_moe",
                "hidden_act", "num_hidden_layers", "hidden_size", "vocab_size", "hidden_ratio", "intermediate_size", "bos_token_id",
                "eos_token_id", "rms_norm_eps",
            },
        };

        public static Architecture Read(string text, string path)
        {
            var root = JsonReader.Parse(text, Fields, out var error);
            if (root == null)
            {
                throw new CheckpointException($"{path}({error!.Span.Line},{error.Span.Column}): invalid JSON: {error.Message}");
            }
            if (root.Kind != JsonKind.Object)
            {
                throw new CheckpointException($"{path}: config.json must be a JSON object");
            }
            Expect(root, "model_type", "hgrn_bit", path);
            Expect(root, "num_heads", "1", path);
            Expect(root, "expand_ratio", "1", path);
            Expect(root, "use_short_conv", "false", path);
            Expect(root, "use_lower_bound", "true", path);
            Expect(root, "tie_word_embeddings", "false", path);
            Expect(root, "use_moe", "false", path);
            var act = root.Find("hidden_act")?.Value;
            if (act != null && !(act.Kind == JsonKind.String && (act.Text == "swish" || act.Text == "silu")))
            {
                throw Fail(path, act, "\"hidden_act\" must be \"swish\" (silu): the GLU of docs/model.md");
            }

            int layers = Int(root, "num_hidden_layers", path, null, 1, ManifestLimits.MaxLayers);
            int hidden = Int(root, "hidden_size", path, null, 1, ManifestLimits.MaxHidden);
            int vocab = Int(root, "vocab_size", path, null, 1, ManifestLimits.MaxVocab);
            int ratio = Int(root, "hidden_ratio", path, 4, 1, 64);
            int intermediate = Int(root, "intermediate_size", path, DefaultIntermediate(hidden, ratio), 1, ManifestLimits.MaxIntermediate);
            int bos = Int(root, "bos_token_id", path, 1, 0, vocab - 1);
            int eos = Int(root, "eos_token_id", path, 2, 0, vocab - 1);
            float eps = 1e-6f;
            var epsValue = root.Find("rms_norm_eps")?.Value;
            if (epsValue != null && epsValue.Kind != JsonKind.Null)
            {
                if (epsValue.Kind != JsonKind.Number || !float.TryParse(epsValue.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out eps) || !(eps > 0f && eps < 1f))
                {
                    throw Fail(path, epsValue, "\"rms_norm_eps\" must be a number between 0 and 1");
                }
            }
            return new Architecture(layers, hidden, intermediate, vocab, eps, bos, eos);
        }

        /// <summary>The reference MLP's rule when intermediate_size is null:
        /// int(H * ratio * 2 / 3), rounded up to a multiple of 256.</summary>
        public static int DefaultIntermediate(int hidden, int ratio)
        {
            long i = (long)hidden * ratio * 2 / 3;
            return (int)((i + 255) / 256 * 256);
        }

        private static void Expect(JsonValue root, string name, string expected, string path)
        {
            var value = root.Find(name)?.Value;
            if (value == null || value.Kind == JsonKind.Null)
            {
                return;
            }
            string text = value.Kind switch
            {
                JsonKind.True => "true",
                JsonKind.False => "false",
                _ => value.Text,
            };
            if (text != expected)
            {
                throw Fail(path, value, $"\"{name}\" is {text}; this compiler builds HGRN-Bit models with {name} = {expected} (docs/model.md)");
            }
        }

        private static int Int(JsonValue root, string name, string path, int? fallback, long min, long max)
        {
            var value = root.Find(name)?.Value;
            if (value == null || value.Kind == JsonKind.Null)
            {
                return fallback ?? throw new CheckpointException($"{path}({root.Span.Line},{root.Span.Column}): missing \"{name}\"");
            }
            if (value.Kind != JsonKind.Number || !long.TryParse(value.Text, NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n < min || n > max)
            {
                throw Fail(path, value, $"\"{name}\" must be an integer from {min} to {max}");
            }
            return (int)n;
        }

        private static CheckpointException Fail(string path, JsonValue at, string message) =>
            new CheckpointException($"{path}({at.Span.Line},{at.Span.Column}): {message}");
    }
}
