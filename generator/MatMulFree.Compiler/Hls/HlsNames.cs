using System.Text;
using MatMulFree.Compiler.Model;

namespace MatMulFree.Compiler.Hls
{
    /// <summary>C names for the parts of a model.</summary>
    public static class HlsNames
    {
        /// <summary>"tiny-l2-h64" -> "tiny_l2_h64"; a leading digit gets "mmf_" in front.</summary>
        public static string Identifier(string name)
        {
            var sb = new StringBuilder();
            foreach (char c in name)
            {
                sb.Append((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? c : '_');
            }
            string id = sb.ToString().Trim('_');
            if (id.Length == 0 || char.IsDigit(id[0]))
            {
                id = "mmf_" + id;
            }
            return id;
        }

        public static bool IsIdentifier(string s)
        {
            if (s.Length == 0 || s.Length > 64 || char.IsDigit(s[0]))
            {
                return false;
            }
            foreach (char c in s)
            {
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
                {
                    return false;
                }
            }
            return true;
        }

        /// <summary>"model.layers.0.attn.i_proj" -> "layer0_i_proj", "lm_head" -> "lm_head".</summary>
        public static string Layer(BitLinearWeights w)
        {
            const string prefix = "model.layers.";
            if (!w.Name.StartsWith(prefix, System.StringComparison.Ordinal))
            {
                return Identifier(w.Name);
            }
            string rest = w.Name.Substring(prefix.Length);
            string index = rest.Substring(0, rest.IndexOf('.'));
            return "layer" + index + "_" + rest.Substring(rest.LastIndexOf('.') + 1);
        }

        /// <summary>A float32 as a C literal that reads back exactly (9 significant digits, always a '.' or exponent).</summary>
        public static string Float(float v)
        {
            string s = v.ToString("G9", System.Globalization.CultureInfo.InvariantCulture);
            if (s.IndexOf('.') < 0 && s.IndexOf('E') < 0)
            {
                s += ".0";
            }
            return s + "f";
        }
    }
}
