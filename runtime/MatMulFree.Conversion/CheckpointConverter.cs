using System;
using System.Collections.Generic;
using MatMulFree.Model;
using MatMulFree.Model.Manifest;

namespace MatMulFree.Conversion
{
    /// <summary>
    /// Turns a Hugging Face HGRN-Bit checkpoint into a model of this compiler:
    /// full-precision tensors (embeddings, norms, lower bounds) are widened to
    /// float32 unchanged, every BitLinear weight is ternarized once
    /// (<see cref="TernaryQuantizer"/>), and the tokenizer is the one given.
    /// </summary>
    public static class CheckpointConverter
    {
        /// <param name="progress">Called after each tensor with (tensors done, tensors in all, name).</param>
        public static ModelDefinition Convert(HuggingFaceCheckpoint checkpoint, string name, TokenizerSpec tokenizer, Action<int, int, string>? progress = null)
        {
            var a = checkpoint.Architecture;
            var slots = TensorCatalog.For(a);
            var floats = new Dictionary<string, float[]>(StringComparer.Ordinal);
            var ternary = new Dictionary<string, TernaryMatrix>(StringComparer.Ordinal);
            for (int k = 0; k < slots.Count; k++)
            {
                var slot = slots[k];
                var values = checkpoint.ReadFloats(slot.Name);
                if (slot.Kind == TensorKind.Ternary)
                {
                    ternary[slot.Name] = TernaryQuantizer.Quantize(values, (int)slot.Shape[0], (int)slot.Shape[1]);
                }
                else
                {
                    floats[slot.Name] = values;
                }
                progress?.Invoke(k + 1, slots.Count, slot.Name);
            }

            return ModelBuilder.Build(name, a, tokenizer, n => floats[n], n => ternary[n], digest: "");
        }
    }
}
