using System;
using System.Collections.Generic;
using System.Globalization;
using System.Security;
using System.Text;

namespace MatMulFree.Benchmarking
{
    /// <summary>
    /// A grouped bar chart as SVG text: one group of bars per x label, one bar per series, heights
    /// from 0 to the largest value (cut at <c>cap</c>; a bar's tooltip gives its value), a dashed line
    /// at 1 (the reference every value is a ratio to). <c>mmf bench</c> draws its kernels with it
    /// and samples/GeneratedBench its generated layers.
    /// </summary>
    public static class BarChart
    {
        private static readonly string[] DefaultColours = { "#888888", "#bbbbbb", "#1f77b4", "#aec7e8", "#2ca02c", "#ff7f0e", "#d62728", "#9467bd" };

        /// <param name="values">values[group][series], null where a series has no bar in that group.</param>
        /// <param name="unit">What a value is, after the number in a tooltip ("x the streaming read").</param>
        /// <param name="colours">A colour per series, in turn (by default greys first, for bounds and references).</param>
        public static string Svg(string title, IReadOnlyList<string> groups, IReadOnlyList<string> series, IReadOnlyList<IReadOnlyList<double?>> values, string unit, double cap,
            IReadOnlyList<string>? colours = null)
        {
            colours ??= DefaultColours;
            var c = CultureInfo.InvariantCulture;
            double max = 1;
            foreach (var row in values)
            {
                foreach (var v in row)
                {
                    if (v is double d && double.IsFinite(d)) max = Math.Max(max, d);
                }
            }
            max = Math.Min(max, cap);
            int groupWidth = 20 * series.Count + 20, height = 300, left = 50, top = 20;
            int width = left + groupWidth * groups.Count + 20;
            var sb = new StringBuilder();
            sb.Append(string.Format(c, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" font-family=\"sans-serif\" font-size=\"10\">\n", width, height + 80 + 14 * series.Count));
            sb.Append(string.Format(c, "<text x=\"{0}\" y=\"12\">{1}</text>\n", left, SecurityElement.Escape(title)));
            for (int g = 0; g <= 4; g++)
            {
                double v = max * g / 4;
                sb.Append(string.Format(c, "<text x=\"2\" y=\"{0:F0}\">{1:F1}</text><line x1=\"{2}\" x2=\"{3}\" y1=\"{4:F0}\" y2=\"{4:F0}\" stroke=\"#ddd\"/>\n",
                    top + height - v / max * height + 4, v, left - 4, width, top + height - v / max * height));
            }
            for (int g = 0; g < groups.Count; g++)
            {
                for (int s = 0; s < series.Count; s++)
                {
                    if (values[g][s] is not double value) continue;
                    double h = (double.IsFinite(value) ? Math.Min(value, max) : max) / max * height;
                    sb.Append(string.Format(c, "<rect x=\"{0}\" y=\"{1:F1}\" width=\"18\" height=\"{2:F1}\" fill=\"{3}\"><title>{4} {5}: {6:F2} {7}</title></rect>\n",
                        left + g * groupWidth + s * 20, top + height - h, h, colours[s % colours.Count],
                        SecurityElement.Escape(groups[g]), SecurityElement.Escape(series[s]), value, SecurityElement.Escape(unit)));
                }
                sb.Append(string.Format(c, "<text x=\"{0}\" y=\"{1}\">{2}</text>\n", left + g * groupWidth, top + height + 14, SecurityElement.Escape(groups[g])));
            }
            sb.Append(string.Format(c, "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2:F0}\" y2=\"{2:F0}\" stroke=\"#444\" stroke-dasharray=\"4 3\"/>\n", left - 4, width, top + height - height / max));
            for (int s = 0; s < series.Count; s++)
            {
                sb.Append(string.Format(c, "<rect x=\"{0}\" y=\"{1}\" width=\"10\" height=\"10\" fill=\"{2}\"/><text x=\"{3}\" y=\"{4}\">{5}</text>\n",
                    left, top + height + 30 + 14 * s, colours[s % colours.Count], left + 14, top + height + 39 + 14 * s, SecurityElement.Escape(series[s])));
            }
            sb.Append("</svg>\n");
            return sb.ToString();
        }
    }
}
