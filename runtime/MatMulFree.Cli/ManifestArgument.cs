using System.CommandLine;

namespace MatMulFree.Cli
{
    internal static class ManifestArgument
    {
        public static Argument<string> Create() => new Argument<string>("manifest")
        {
            Description = "Path of a model manifest (.mmf.json, docs/manifest.md).",
        };
    }
}
