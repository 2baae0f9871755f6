using System;
using System.Globalization;
using MatMulFree.Compiler.Emit;
using MatMulFree.Model;

namespace MatMulFree.Compiler.Hls
{
    /// <summary>C names for the parts of a model, and the top function's name.</summary>
    public static class HlsNames
    {
        /// <summary>Longest part of a top name taken from a model's name (its file names and header guard come from it).</summary>
        public const int MaxDerivedTop = 48;

        /// <summary>Ends every top name made from a model's name: no C or C++ keyword, no name of the C library or
        /// its macros, no name of the testbench or of this project ends so (file names and the header guard neither).</summary>
        public const string TopSuffix = "_step";

        /// <summary>Names (compared without case, since they also name files and a header guard) that the
        /// generated project uses itself, or that the headers it includes declare: a top function given by
        /// option may not be one of them or start with one of the prefixes.</summary>
        private static readonly string[] ReservedNames =
        {
            "parameters", "embeddings", "final_norm", "bits_of", "tb_data_dir", "logits", "state", "token", "reset",
            "step", "tokens", "expected", "log", "v", "want", "before", "mismatches", "u", "f", "s", "k", "l", "x", "normed",
            "printf", "fprintf", "fopen", "fclose", "fscanf", "fread", "fwrite", "puts", "putchar", "memcpy", "memset",
            "memcmp", "strlen", "strcmp", "malloc", "free", "exit", "abs", "size_t", "eof", "ptrdiff_t", "wchar_t",
        };
        private static readonly string[] ReservedPrefixes = { "mmf_", "block", "layer", "lm_head", "norm_", "w_", "weights" };

        /// <summary>stdint.h's types and limits (int32_t, UINT8_MAX, INTPTR_MIN, ...), compared without case.</summary>
        private static readonly System.Text.RegularExpressions.Regex StdintName =
            new System.Text.RegularExpressions.Regex("^u?int(_least|_fast)?(8|16|32|64|ptr|max)_", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

        /// <summary>The top function's name for a model: its name's letters, digits and '_' (at most
        /// <see cref="MaxDerivedTop"/>), then <see cref="TopSuffix"/>; "model_" in front when the name is empty or
        /// starts with a digit or a reserved prefix. "sample-l4-h128" gives sample_l4_h128_step.</summary>
        public static string Top(string modelName)
        {
            string name = CText.Sanitize(modelName, MaxDerivedTop);
            string id = (name.Length == 0 ? "model" : name) + TopSuffix;
            return TopProblem(id) == null ? id : "model_" + id;
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
            if (StdintName.IsMatch(lower))
            {
                return "is a type or limit of stdint.h, which the generated project includes";
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
        public static string Layer(BitLinearWeights w) =>
            TensorNames.TryParseBlockLayer(w.Name, out string block, out string projection)
                ? "layer" + block + "_" + projection
                : CText.Sanitize(w.Name, CText.MaxIdentifierLength);
    }
}
