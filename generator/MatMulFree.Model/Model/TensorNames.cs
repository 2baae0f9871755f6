using System;

namespace MatMulFree.Model
{
    /// <summary>The checkpoint's tensor names (HGRN-Bit, docs/model.md), written once.</summary>
    public static class TensorNames
    {
        public const string Embeddings = "model.embeddings.weight";
        public const string FinalNorm = "model.norm.weight";
        public const string LowerBounds = "model.lower_bounds";
        /// <summary>The output layer (a BitLinear).</summary>
        public const string LmHead = "lm_head";
        /// <summary>What every block's names start with: model.layers.L.</summary>
        public const string BlockPrefix = "model.layers.";

        /// <summary>A BitLinear's ternary matrix: "lm_head" -> "lm_head.weight".</summary>
        public static string Weight(string layer) => layer + ".weight";

        /// <summary>A BitLinear's RMSNorm weight.</summary>
        public static string Norm(string layer) => layer + ".norm.weight";

        /// <summary>"model.layers.L".</summary>
        public static string Block(int block) => BlockPrefix + block.ToString(System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>
        /// Splits a BitLinear name of a block, "model.layers.3.attn.i_proj", into its block (3) and
        /// projection ("i_proj"); false for names outside the blocks ("lm_head").
        /// </summary>
        public static bool TryParseBlockLayer(string name, out string block, out string projection)
        {
            block = projection = "";
            if (!name.StartsWith(BlockPrefix, StringComparison.Ordinal))
            {
                return false;
            }
            string rest = name.Substring(BlockPrefix.Length);
            int dot = rest.IndexOf('.');
            if (dot <= 0)
            {
                return false;
            }
            block = rest.Substring(0, dot);
            projection = rest.Substring(rest.LastIndexOf('.') + 1);
            return true;
        }
    }
}
