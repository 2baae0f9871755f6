using System;
using MatMulFree.Model;
using MatMulFree.Model.Manifest;
using MatMulFree.Runtime.Files;

namespace MatMulFree.Runtime
{
    /// <summary>
    /// Reads the tensors a deferred definition left in its weights file
    /// (<see cref="ManifestLoader.LoadDeferred"/>) one at a time, as a model is built:
    /// a layer's trits exist only while its kernel's own form is made from them, in
    /// one buffer per size reused from one layer to the next (each layer is built before the
    /// next is read; see <see cref="LoadedWeightsFile.ReadTernary"/>), each checked against the hash the
    /// loader's scan of the file recorded in its <see cref="WeightsFileRange"/>. Tensors
    /// already in the definition pass through unchanged.
    /// </summary>
    internal sealed class DeferredTensors
    {
        private readonly ModelDefinition _definition;
        private readonly IWeightsFile? _file;
        private readonly System.Collections.Generic.Dictionary<long, byte[]> _buffer = new();

        public DeferredTensors(ModelDefinition definition, IWeightsFile? file)
        {
            _definition = definition;
            _file = file;
        }

        private string Source => _definition.WeightsFile?.Path ?? "the weights file";

        /// <summary>The embeddings: the definition's array, or, when they were left in the weights
        /// file as f32, read from the file one row per token (not decoded); other dtypes are widened.</summary>
        public EmbeddingTable Embeddings()
        {
            var a = _definition.Architecture;
            var range = _definition.ExternalEmbeddings;
            if (range == null)
            {
                return EmbeddingTable.FromArray(_definition.Embeddings, a.Vocab, a.Hidden);
            }
            if (range.Dtype == "f32" && _file is WeightsFile opened && range.RowSha256 != null)
            {
                return EmbeddingTable.FromFile(opened.Path, range.Offset, a.Vocab, a.Hidden, range.RowSha256, opened.AllowedFolders);
            }
            var t = new WeightsFileTensor(TensorNames.Embeddings, range.Offset, range.Length, range.Dtype, a.Vocab, a.Hidden, 0f);
            return EmbeddingTable.FromArray(LoadedWeightsFile.ReadFloatTensor(File(), t, range, _definition.Name, Source), a.Vocab, a.Hidden);
        }

        public BitLinearWeights Linear(BitLinearWeights w)
        {
            var range = w.Weight.External;
            if (range == null)
            {
                return w;
            }
            var m = w.Weight;
            var t = new WeightsFileTensor(w.Name + ".weight", range.Offset, range.Length, range.Dtype, m.Rows, m.Columns, m.Beta);
            return new BitLinearWeights(w.Name, w.NormWeight, LoadedWeightsFile.ReadTernary(File(), t, range, _definition.Name, Source, _buffer));
        }

        private IWeightsFile File() => _file ?? throw new InvalidOperationException(
            $"model {_definition.Name}: its weights are in {Source}, which was not given (load the manifest with ManifestLoader.LoadDeferred or ManifestLoader.Load)");
    }
}
