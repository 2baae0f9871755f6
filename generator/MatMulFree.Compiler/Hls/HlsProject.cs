using System;
using System.Collections.Generic;
using MatMulFree.Model;

namespace MatMulFree.Compiler.Hls
{
    /// <summary>An emitted HLS project: its files (relative path -> text), plan and estimate.</summary>
    public sealed class HlsProjectResult
    {
        public HlsProjectResult(HlsPlan plan, HlsReport report, IReadOnlyDictionary<string, string> files)
        {
            Plan = plan;
            Report = report;
            Files = files;
        }

        public HlsPlan Plan { get; }
        public HlsReport Report { get; }
        /// <summary>Relative paths with '/' separators, e.g. "firmware/tiny.c", to their contents.</summary>
        public IReadOnlyDictionary<string, string> Files { get; }
    }

    /// <summary>
    /// The HLS backend's API: a validated model in, an HLS project folder's files
    /// out (docs/hls.md). Writes nothing itself: the caller (mmf hls, the MSBuild
    /// target, a test) puts the files where it wants them.
    /// </summary>
    public static class HlsProject
    {
        /// <param name="model">A model read by <see cref="Manifest.ManifestReader"/>.</param>
        /// <param name="options">Top, part, clock, folding and per-layer forms.</param>
        /// <param name="vectors">Tokens and the logits the C# runtime computed for them, for tb_data/; null for none.</param>
        /// <exception cref="ArgumentException">The options are invalid (the message says which).</exception>
        public static HlsProjectResult Create(ModelDefinition model, HlsOptions options, HlsTestVectors? vectors)
        {
            string? problem = options.Validate();
            if (problem != null)
            {
                throw new ArgumentException(problem);
            }
            var plan = HlsPlan.Create(model, options);
            var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
            HlsFirmware.Emit(plan, files);
            HlsTestbench.Emit(plan, vectors, files);
            var report = new HlsReport(plan);
            files["report.md"] = report.ToMarkdown();
            files["report.json"] = report.ToJson();
            return new HlsProjectResult(plan, report, files);
        }
    }
}
