using System;
using System.Collections.Generic;
using System.Linq;
using MatMulFree.Compiler.Planning;
using MatMulFree.Model;
using MatMulFree.Model.Text;

namespace MatMulFree.Compiler.Hls
{
    /// <summary>The knobs of an emitted HLS project (docs/hls.md).</summary>
    public sealed class HlsOptions
    {
        /// <summary>Name of the top function; empty: the model's name and "_step" (<see cref="HlsNames.Top"/>).</summary>
        public string Top { get; set; } = "";

        /// <summary>FPGA part for Vitis HLS (default: the Alveo U280's).</summary>
        public string Part { get; set; } = "xcu280-fsvh2892-2L-e";

        /// <summary>Target clock period in nanoseconds.</summary>
        public double ClockNs { get; set; } = 5.0;

        /// <summary>Folded layers: output rows computed in parallel (a power of two).</summary>
        public int Pe { get; set; } = 8;

        /// <summary>Folded layers: input columns consumed per cycle and row (a power of two, at least 4).</summary>
        public int Simd { get; set; } = 16;

        /// <summary>The planner's choice: a layer whose unrolled code has more terms than this is folded.</summary>
        public long UnrollLimit { get; set; } = 8192;

        /// <summary>Form (<see cref="ProductForm.Unrolled"/> or <see cref="ProductForm.Folded"/>) for every layer
        /// not named in <see cref="LayerForms"/> or the manifest's "kernels"; null: the planner chooses.</summary>
        public ProductForm? Form { get; set; }

        /// <summary>Per-layer forms by checkpoint name, e.g. "model.layers.0.mlp.gate_proj".</summary>
        public IDictionary<string, ProductForm> LayerForms { get; } = new Dictionary<string, ProductForm>(StringComparer.Ordinal);

        /// <summary>The first problem with these options, or null.</summary>
        public string? Validate()
        {
            if (!IsPowerOfTwo(Pe) || Pe > 1024)
            {
                return $"PE must be a power of two up to 1024, got {Pe}";
            }
            if (!IsPowerOfTwo(Simd) || Simd < 4 || Simd > 1024)
            {
                return $"SIMD must be a power of two from 4 to 1024, got {Simd}";
            }
            if (!(ClockNs > 0 && ClockNs < 1000))
            {
                return $"the clock period must be between 0 and 1000 ns, got {ClockNs}";
            }
            if (Form == ProductForm.Packed || LayerForms.Values.Contains(ProductForm.Packed))
            {
                return "HLS layers are unrolled or folded, not packed";
            }
            if (UnrollLimit < 0)
            {
                return $"the unroll limit must be >= 0, got {UnrollLimit}";
            }
            if (Top.Length > 0 && HlsNames.TopProblem(Top) is string top)
            {
                return $"the top function name \"{MatMulFree.Model.Text.DisplayText.Of(Top, 64)}\" {top}";
            }
            if (!IsPartName(Part))
            {
                return $"the part \"{MatMulFree.Model.Text.DisplayText.Of(Part, 64)}\" is not a part name (1 to 64 letters, digits, '-', '_' and '.')";
            }
            return null;
        }

        /// <summary>Vendor part names ("xcu280-fsvh2892-2L-e"): they go into build.tcl as one word.</summary>
        public static bool IsPartName(string part)
        {
            if (part.Length == 0 || part.Length > 64 || part[0] == '-')
            {
                return false;
            }
            foreach (char c in part)
            {
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
                {
                    return false;
                }
            }
            return true;
        }

        private static bool IsPowerOfTwo(int v) => v > 0 && (v & (v - 1)) == 0;
    }
}
