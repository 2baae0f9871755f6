using System.Collections.Generic;

namespace MatMulFree.Model
{
    /// <summary>
    /// A whole validated model: what a manifest says, in the structure of
    /// docs/model.md, with every float tensor already converted to float32
    /// and the lower bounds already derived (docs/numerics.md), so all targets
    /// start from the same numbers.
    /// </summary>
    public sealed class ModelDefinition
    {
        public ModelDefinition(string name, Architecture architecture, TokenizerSpec tokenizer,
            float[] embeddings, float[] lowerBoundParameters, IReadOnlyList<BlockWeights> blocks, float[] finalNorm,
            BitLinearWeights lmHead, string integrityDigest)
        {
            Name = name;
            Architecture = architecture;
            Tokenizer = tokenizer;
            Embeddings = embeddings;
            LowerBoundParameters = lowerBoundParameters;
            Blocks = blocks;
            FinalNorm = finalNorm;
            LmHead = lmHead;
            IntegrityDigest = integrityDigest;
        }

        public string Name { get; }
        public Architecture Architecture { get; }
        public TokenizerSpec Tokenizer { get; }
        /// <summary>[V, H] row-major, full precision.</summary>
        public float[] Embeddings { get; }
        /// <summary>The checkpoint's model.lower_bounds [L, H], before derivation
        /// (each block holds its derived row).</summary>
        public float[] LowerBoundParameters { get; }
        public IReadOnlyList<BlockWeights> Blocks { get; }
        public float[] FinalNorm { get; }
        public BitLinearWeights LmHead { get; }
        /// <summary>
        /// The manifest's optional per-layer kernel choices ("kernels": BitLinear name ->
        /// auto, unrolled or packed): compile-time guidance that does not change the numbers
        /// but does change the code compilers emit, so the integrity digest covers it.
        /// </summary>
        public IReadOnlyDictionary<string, string> KernelOverrides { get; set; } = new Dictionary<string, string>();

        /// <summary>The manifest's external weights file, if it has one.</summary>
        public Manifest.WeightsFileReference? WeightsFile { get; set; }

        /// <summary>Set when the embeddings were left in the weights file (deferred reading):
        /// then <see cref="Embeddings"/> is empty.</summary>
        public Manifest.WeightsFileRange? ExternalEmbeddings { get; set; }

        /// <summary>True when some tensor's data was not read (deferred reading).</summary>
        public bool HasDeferredWeights
        {
            get
            {
                if (ExternalEmbeddings != null)
                {
                    return true;
                }
                foreach (var w in BitLinears())
                {
                    if (w.Weight.External != null)
                    {
                        return true;
                    }
                }
                return false;
            }
        }

        /// <summary>The manifest's integrity digest (docs/manifest.md): checked against the model
        /// whenever every tensor's data was hashed; for data left in a weights file nobody
        /// opened (the source generator), the manifest's statement, which the generated code
        /// checks when it loads the file (<see cref="IntegrityRecords"/>).</summary>
        public string IntegrityDigest { get; }

        /// <summary>The hashes the digest is made of; null for a model not read from a manifest.</summary>
        public Manifest.IntegrityRecords? IntegrityRecords { get; set; }

        /// <summary>The token step as operations (<see cref="StepProgram"/>), built once.</summary>
        public StepProgram Step => _step ??= StepProgram.Of(Blocks, FinalNorm, LmHead);

        private StepProgram? _step;

        /// <summary>Every BitLinear of the model in execution order.</summary>
        public IReadOnlyList<BitLinearWeights> BitLinears() => Step.BitLinears;
    }
}
