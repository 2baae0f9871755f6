using System;
using System.Collections.Generic;
using System.Globalization;
using MatMulFree.Model;
using MatMulFree.Model.Json;
using MatMulFree.Model.Text;

namespace MatMulFree.Runtime.Tokenization
{
    /// <summary>A tokenizer file that cannot be used, with the place of the problem.</summary>
    public sealed class TokenizerFileException : Exception
    {
        public TokenizerFileException(string message) : base(message)
        {
        }
    }

    /// <summary>
    /// Reads a Hugging Face tokenizer.json with a BPE model (the Llama tokenizer):
    /// model.vocab, model.merges ("a b" strings or [a, b] pairs), model.unk_token,
    /// added_tokens (their special flag), and &lt;s&gt; / &lt;/s&gt; as BOS / EOS. Hostile
    /// files get a message naming the file, the line and column, and the problem;
    /// sizes are bounded before anything is allocated from them.
    /// </summary>
    public static class TokenizerJson
    {
        public const int MaxVocab = 1 << 20;
        public const int MaxMerges = 1 << 21;

        public static BpeTokenizer Parse(string text, string path)
        {
            var t = Read(text, path);
            return new BpeTokenizer(t.Pieces, t.Merges, t.Bos, t.Eos, t.Unk, t.Special);
        }

        /// <summary>The tokenizer as a manifest carries it (what <c>mmf convert</c> copies):
        /// pieces, merges "a b", the unknown id, and every special token by its text.</summary>
        public static TokenizerSpec ReadSpec(string text, string path, out int bos, out int eos)
        {
            var t = Read(text, path);
            bos = t.Bos;
            eos = t.Eos;
            var specials = new List<SpecialToken>();
            var ids = new List<int>(t.Special);
            ids.Sort();
            foreach (int id in ids)
            {
                specials.Add(new SpecialToken(t.Pieces[id]!, id));
            }
            var merges = new List<string>(t.Merges.Count);
            foreach (var (left, right) in t.Merges)
            {
                merges.Add(left + " " + right);
            }
            return new TokenizerSpec(TokenizerSpec.BpeKind, 0, specials, t.Pieces, merges, t.Unk);
        }

        private sealed record Parsed(string?[] Pieces, List<(string, string)> Merges, int Bos, int Eos, int Unk, HashSet<int> Special);

        private static Parsed Read(string text, string path)
        {
            // A vocabulary object of 1 Mi entries (a row for each key and each id) and 2 Mi merges (three rows
            // each when written as ["a", "b"]), and room for the rest.
            var root = JsonReader.Parse(text, new JsonReaderOptions { MaxValues = 2 * MaxVocab + 3 * MaxMerges + (1 << 20) }, out var error);
            if (root == null)
            {
                throw Fail(path, error!.Span, "invalid JSON: " + error.Message);
            }
            var model = Member(root, "model", JsonKind.Object, path);
            var type = Member(model, "type", JsonKind.String, path);
            if (type.Text != "BPE")
            {
                throw Fail(path, type.Span, $"model type \"{DisplayText.Of(type.Text)}\" is not supported: a BPE model (the Llama tokenizer) is expected");
            }
            var vocab = Member(model, "vocab", JsonKind.Object, path);
            if (vocab.Properties.Count > MaxVocab)
            {
                throw Fail(path, vocab.Span, $"{vocab.Properties.Count:N0} vocabulary entries, more than {MaxVocab:N0}");
            }
            var byId = new Dictionary<int, string>();
            int maxId = -1;
            foreach (var p in vocab.Properties)
            {
                if (p.Name.Length == 0)
                {
                    throw Fail(path, p.NameSpan, "a vocabulary entry has an empty text (no merge can make it, and a manifest cannot hold it)");
                }
                int id = Id(p.Value, path, $"vocabulary entry \"{DisplayText.Of(p.Name)}\"");
                if (!byId.TryAdd(id, p.Name))
                {
                    throw Fail(path, p.Value.Span, $"id {id} is given to both \"{DisplayText.Of(byId[id])}\" and \"{DisplayText.Of(p.Name)}\"");
                }
                maxId = Math.Max(maxId, id);
            }
            var special = new HashSet<int>();
            var specialIds = new Dictionary<string, int>(StringComparer.Ordinal);
            var addedTokens = root.Find("added_tokens")?.Value;
            if (addedTokens != null)
            {
                if (addedTokens.Kind != JsonKind.Array)
                {
                    throw Fail(path, addedTokens.Span, "\"added_tokens\" must be an array");
                }
                foreach (var token in addedTokens.Items)
                {
                    if (token.Kind != JsonKind.Object)
                    {
                        throw Fail(path, token.Span, "an added token must be an object");
                    }
                    int id = Id(Member(token, "id", JsonKind.Number, path), path, "added token id");
                    string content = Member(token, "content", JsonKind.String, path).Text;
                    if (byId.TryGetValue(id, out var existing) && existing != content)
                    {
                        throw Fail(path, token.Span, $"added token \"{DisplayText.Of(content)}\" has id {id}, which the vocabulary gives to \"{DisplayText.Of(existing)}\"");
                    }
                    byId[id] = content;
                    maxId = Math.Max(maxId, id);
                    if (content.Length == 0)
                    {
                        throw Fail(path, token.Span, $"added token {id} has an empty \"content\"");
                    }
                    if (token.Find("special")?.Value.Kind == JsonKind.True)
                    {
                        if (specialIds.TryGetValue(content, out int other) && other != id)
                        {
                            throw Fail(path, token.Span, $"special token \"{DisplayText.Of(content)}\" is given ids {other} and {id}: a special token's text must name one id");
                        }
                        specialIds[content] = id;
                        special.Add(id);
                    }
                }
            }
            var pieces = new string?[maxId + 1];
            foreach (var entry in byId)
            {
                pieces[entry.Key] = entry.Value;
            }
            var ids = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var entry in byId)
            {
                ids.TryAdd(entry.Value, entry.Key);
            }

            var mergesValue = Member(model, "merges", JsonKind.Array, path);
            if (mergesValue.Items.Count > MaxMerges)
            {
                throw Fail(path, mergesValue.Span, $"{mergesValue.Items.Count:N0} merges, more than {MaxMerges:N0}");
            }
            var merges = new List<(string, string)>(mergesValue.Items.Count);
            foreach (var m in mergesValue.Items)
            {
                (string, string) pair;
                if (m.Kind == JsonKind.String)
                {
                    int space = m.Text.IndexOf(' ');
                    if (space <= 0 || space == m.Text.Length - 1 || m.Text.IndexOf(' ', space + 1) >= 0)
                    {
                        throw Fail(path, m.Span, $"merge \"{DisplayText.Of(m.Text)}\" is not two pieces separated by one space");
                    }
                    pair = (m.Text.Substring(0, space), m.Text.Substring(space + 1));
                }
                else if (m.Kind == JsonKind.Array && m.Items.Count == 2 && m.Items[0].Kind == JsonKind.String && m.Items[1].Kind == JsonKind.String)
                {
                    pair = (m.Items[0].Text, m.Items[1].Text);
                }
                else
                {
                    throw Fail(path, m.Span, "a merge must be \"a b\" or [\"a\", \"b\"]");
                }
                if (!ids.ContainsKey(pair.Item1 + pair.Item2))
                {
                    throw Fail(path, m.Span, $"merge \"{DisplayText.Of(pair.Item1)}\" + \"{DisplayText.Of(pair.Item2)}\" makes \"{DisplayText.Of(pair.Item1 + pair.Item2)}\", which is not in the vocabulary");
                }
                merges.Add(pair);
            }

            int unk = Named(model.Find("unk_token")?.Value is JsonValue u && u.Kind == JsonKind.String ? u.Text : "<unk>", ids);
            int bos = Named("<s>", ids);
            int eos = Named("</s>", ids);
            if (bos < 0 || eos < 0)
            {
                throw Fail(path, root.Span, "the vocabulary has no <s> or no </s> token (BOS and EOS)");
            }
            return new Parsed(pieces, merges, bos, eos, unk < 0 ? bos : unk, special);
        }

        private static int Named(string text, Dictionary<string, int> ids) => ids.TryGetValue(text, out int id) ? id : -1;

        private static JsonValue Member(JsonValue obj, string name, JsonKind kind, string path)
        {
            var p = obj.Find(name);
            if (p == null)
            {
                throw Fail(path, obj.Span, $"missing \"{name}\"");
            }
            if (p.Value.Kind != kind)
            {
                throw Fail(path, p.Value.Span, $"\"{name}\" must be {Kind(kind)}, not {p.Value.KindName}");
            }
            return p.Value;
        }

        private static string Kind(JsonKind kind) => kind switch
        {
            JsonKind.Object => "an object",
            JsonKind.Array => "an array",
            JsonKind.String => "a string",
            _ => "a number",
        };

        private static int Id(JsonValue value, string path, string what)
        {
            if (value.Kind != JsonKind.Number || !int.TryParse(value.Text, NumberStyles.None, CultureInfo.InvariantCulture, out int id) || id >= MaxVocab)
            {
                throw Fail(path, value.Span, $"{what}: \"{DisplayText.Of(value.Text)}\" is not an id from 0 to {MaxVocab - 1:N0}");
            }
            return id;
        }

        private static TokenizerFileException Fail(string path, SourceSpan at, string message) =>
            new TokenizerFileException($"{Files.ModelFile.Display(path)}({at.Line},{at.Column}): {message}");
    }
}
