namespace MatMulFree.Model
{
    /// <summary>
    /// The hyper-parameters of one HGRN-Bit model (docs/model.md): L blocks of
    /// an MLGRU token mixer and a GLU channel mixer over hidden size H, GLU width I,
    /// vocabulary V.
    /// </summary>
    public sealed class Architecture
    {
        public const string HgrnBitFamily = "hgrn-bit";

        public Architecture(int layers, int hidden, int intermediate, int vocab, float rmsNormEps, int bos, int eos)
        {
            Layers = layers;
            Hidden = hidden;
            Intermediate = intermediate;
            Vocab = vocab;
            RmsNormEps = rmsNormEps;
            Bos = bos;
            Eos = eos;
        }

        public string Family => HgrnBitFamily;
        public int Layers { get; }
        public int Hidden { get; }
        public int Intermediate { get; }
        public int Vocab { get; }
        public float RmsNormEps { get; }
        public int Bos { get; }
        public int Eos { get; }

        /// <summary>The widest vector one token step touches (for scratch sizing).</summary>
        public int MaxWidth => System.Math.Max(System.Math.Max(Hidden, 2 * Intermediate), Vocab);
    }
}
