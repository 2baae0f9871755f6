using System;
using System.Globalization;
using MatMulFree.Compiler.Emit;
using MatMulFree.Compiler.Model;

namespace MatMulFree.Compiler.Hls
{
    /// <summary>C names for the parts of a model, and the top function's name.</summary>
    public static class HlsNames
    {
        /// <summary>Longest top name derived from a model's name (its file names and header guard come from it).</summary>
        public const int MaxDerivedTop = 48;

        /// <summary>Names (compared without case, since they also name files and a header guard) that the
        /// generated project uses itself: a top function may not be one of them or start with one of the prefixes.</summary>
        private static readonly string[] ReservedNames = { "parameters", "embeddings", "final_norm", "bits_of", "tb_data_dir", "logits", "state", "token", "reset" };
        private static readonly string[] ReservedPrefixes = { "mmf_", "block", "layer", "lm_head", "norm_", "w_", "weights" };

        /// <summary>The top function's name for a model: its name's letters, digits and '_' (at most
        /// <see cref="MaxDerivedTop"/>), with "model_" in front when that alone is not a usable top name.</summary>
        public static string Top(string modelName)
        {
            string id = CText.Sanitize(modelName, MaxDerivedTop);
            return TopProblem(id) == null ? id : id.Length == 0 ? "model" : "model_" + id;
        }

        /// <summary>Why <paramref name="top"/> cannot name the top function, or null.</summary>
        public static string? TopProblem(string top)
        {
            string? c = CText.IdentifierProblem(top);
            if (c != null)
            {
                return c;
            }
            string lower = top.ToLowerInvariant();
            foreach (var name in ReservedNames)
            {
                if (lower == name)
                {
                    return "is a name the generated project uses itself";
                }
            }
            foreach (var prefix in ReservedPrefixes)
            {
                if (lower.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return $"starts with \"{prefix}\", which the generated project's own names use";
                }
            }
            return null;
        }

        /// <summary>"model.layers.0.attn.i_proj" -> "layer0_i_proj", "lm_head" -> "lm_head".</summary>
        public static string Layer(BitLinearWeights w)
        {
            const string prefix = "model.layers.";
            if (!w.Name.StartsWith(prefix, StringComparison.Ordinal))
            {
                return CText.Sanitize(w.Name, CText.MaxIdentifierLength);
            }
            string rest = w.Name.Substring(prefix.Length);
            string index = rest.Substring(0, rest.IndexOf('.'));
            return "layer" + index + "_" + rest.Substring(rest.LastIndexOf('.') + 1);
        }

        /// <summary>A float32 as a C literal that reads back exactly (9 significant digits, always a '.' or exponent).</summary>
        public static string Float(float v)
        {
            string s = v.ToString("G9", CultureInfo.InvariantCulture);
            if (s.IndexOf('.') < 0 && s.IndexOf('E') < 0)
            {
                s += ".0";
            }
            return s + "f";
        }
    }
}
