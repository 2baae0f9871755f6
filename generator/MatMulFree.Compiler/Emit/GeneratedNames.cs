using System;
using System.Text;
using MatMulFree.Model;

namespace MatMulFree.Compiler.Emit
{
    /// <summary>
    /// The names generated code gives a model's parts, shared by the source generator
    /// and by tools that find those parts in a compiled model (samples/GeneratedBench).
    /// </summary>
    public static class GeneratedNames
    {
        /// <summary>The method of one BitLinear: model.layers.3.attn.i_proj becomes Layer3IProj, lm_head LmHead.</summary>
        public static string BitLinearMethod(BitLinearWeights w) =>
            TensorNames.TryParseBlockLayer(w.Name, out string block, out string projection)
                ? "Layer" + block + Pascal(projection)
                : Pascal(w.Name);

        /// <summary>The local (C#) or variable (C) that holds a vector of the token step: the same short
        /// names in both, so that the generated step reads like docs/numerics.md.</summary>
        public static string StepVectorName(StepVector v)
        {
            switch (v)
            {
                case StepVector.Residual: return "x";
                case StepVector.Normed: return "normed";
                case StepVector.Input: return "i";
                case StepVector.Forget: return "f";
                case StepVector.Gate: return "g";
                case StepVector.Mixed: return "mixed";
                case StepVector.Wide: return "z";
                case StepVector.Glu: return "u";
                case StepVector.State: return "h";
                default: return "logits";
            }
        }

        /// <summary>snake_case or dotted.name to PascalCase.</summary>
        public static string Pascal(string name)
        {
            var sb = new StringBuilder();
            bool upper = true;
            foreach (char c in name)
            {
                if (c == '_' || c == '.')
                {
                    upper = true;
                    continue;
                }
                sb.Append(upper ? char.ToUpperInvariant(c) : c);
                upper = false;
            }
            return sb.ToString();
        }
    }
}
