using System.Collections.Generic;
using System.IO;
using MatMulFree.Model;
using MatMulFree.Runtime.Files;
using MatMulFree.Runtime.Tokenization;

namespace MatMulFree.Conversion
{
    /// <summary>A checkpoint's tokenizer.json as the manifest's tokenizer, checked against its config.json.</summary>
    public static class CheckpointTokenizer
    {
        /// <param name="allowedFolders">Folders the file must resolve into (empty: anywhere); see <see cref="HuggingFaceCheckpoint.AllowedFolders"/>.</param>
        public static TokenizerSpec Read(string path, Architecture a, string[] allowedFolders)
        {
            if (!File.Exists(path))
            {
                throw new CheckpointException($"{ModelFile.Display(path)}: no tokenizer.json (pass --tokenizer PATH; a Hugging Face tokenizer.json with a BPE model is needed)");
            }
            string text = HuggingFaceCheckpoint.ReadJsonFile(path, allowedFolders);
            var spec = TokenizerJson.ReadSpec(text, path, out int bos, out int eos);
            if (bos != a.Bos || eos != a.Eos)
            {
                throw new CheckpointException($"{path}: <s> is {bos} and </s> is {eos}, but config.json says bos_token_id {a.Bos} and eos_token_id {a.Eos}");
            }
            if (spec.Pieces.Count > a.Vocab)
            {
                throw new CheckpointException($"{path}: {spec.Pieces.Count:N0} pieces, more than the model's vocab_size {a.Vocab:N0}");
            }
            if (spec.Pieces.Count < a.Vocab)
            {
                // Ids the tokenizer never produces (a vocabulary padded for the embedding) stay unused.
                var pieces = new List<string?>(spec.Pieces);
                while (pieces.Count < a.Vocab)
                {
                    pieces.Add(null);
                }
                spec = new TokenizerSpec(spec.Kind, spec.ByteOffset, spec.SpecialTokens, pieces, spec.Merges, spec.Unk);
            }
            return spec;
        }

    }
}
