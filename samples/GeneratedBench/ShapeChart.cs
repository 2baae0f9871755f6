using System;
using System.Collections.Generic;
using System.Linq;
using MatMulFree.Benchmarking;

namespace GeneratedBench;

/// <summary>
/// The per-layer timings as a chart of generated against generic per layer shape: for each shape,
/// the median over its layers of the time over the generic packed layer's (1 = as fast as the
/// generic runtime), for the generated layers by their form and for the generic int8 kernel.
/// </summary>
internal static class ShapeChart
{
    public static string Svg(IReadOnlyList<LayerTiming> timings, string title)
    {
        var shapes = timings.OrderBy(t => (long)t.Rows * t.Columns).ThenBy(t => t.Rows).Select(t => t.Shape).Distinct().ToList();
        var series = new (string Name, string Colour, Func<LayerTiming, double?> Ratio)[]
        {
            ("generated, unrolled", "#2ca02c", t => t.Form == "unrolled" ? t.Generated / t.GenericPacked : null),
            ("generated, packed", "#1f77b4", t => t.Form == "packed" ? t.Generated / t.GenericPacked : null),
            ("generic, int8 weights", "#ff7f0e", t => t.GenericInt8 / t.GenericPacked),
        }.Where(s => timings.Any(t => s.Ratio(t) != null)).ToList(); // a form no layer took has no bars
        var values = shapes.Select(shape => (IReadOnlyList<double?>)series
            .Select(s => Median(timings.Where(t => t.Shape == shape).Select(s.Ratio).OfType<double>())).ToList()).ToList();
        return BarChart.Svg(title, shapes, series.Select(s => s.Name).ToList(), values, "x the generic packed layer (median over the layers of this shape)", cap: 6,
            colours: series.Select(s => s.Colour).ToList());
    }

    private static double? Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        return sorted.Count == 0 ? null : sorted[sorted.Count / 2];
    }
}
