namespace MatMulFree.Model.Manifest
{
    /// <summary>
    /// Bounds a manifest must respect before anything is allocated from it. They
    /// are far above every released checkpoint (MMfreeLM-2.7B: L=32, H=2560,
    /// I=6912, V=32000) and far below sizes that overflow 32-bit indexing.
    /// </summary>
    public static class ManifestLimits
    {
        public const int MaxLayers = 1024;
        public const int MaxHidden = 1 << 16;
        public const int MaxIntermediate = 1 << 18;
        public const int MaxVocab = 1 << 20;
        /// <summary>A manifest's text is held in memory whole (as UTF-16, with a bounded table of its
        /// JSON values): 1 GiB at most, read by every entry point (the CLI, the runtime, the source
        /// generator). Big models keep their tensors in an external weights file instead.</summary>
        public const long MaxManifestBytes = 1L << 30;

        /// <summary>An external weights file: 1 TiB, far above any checkpoint, far below overflow.</summary>
        public const long MaxWeightsBytes = 1L << 40;

        /// <summary>No single tensor may have more elements than fit a .NET array index.</summary>
        public const long MaxTensorElements = int.MaxValue;
    }
}
