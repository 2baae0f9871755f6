using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using MatMulFree.Model;
using MatMulFree.Model.Json;
using MatMulFree.Model.Numerics;

namespace MatMulFree.Model.Manifest
{
    /// <summary>The outcome of reading a manifest: a model, or the errors that prevent one.</summary>
    public sealed class ManifestReadResult
    {
        internal ManifestReadResult(ModelDefinition? model, IReadOnlyList<ManifestError> errors)
        {
            Model = model;
            Errors = errors;
        }

        public ModelDefinition? Model { get; }
        public IReadOnlyList<ManifestError> Errors { get; }
        public bool Succeeded => Model != null;
    }

    /// <summary>
    /// Reads and validates a manifest, format v1 (docs/manifest.md). It never
    /// throws on bad input: every problem becomes a <see cref="ManifestError"/>
    /// with its JSON Pointer and place, and no buffer is allocated from a size
    /// the text does not back (a tensor's data length is checked against its
    /// shape before it is decoded).
    /// </summary>
    public static class ManifestReader
    {
        public const string FormatId = "matmulfree-manifest";
        public const int SupportedVersion = 1;
        public const int MaxErrors = 50;

        private static readonly string[] TopLevel = { "format", "version", "name", "architecture", "tokenizer", "tensors", "integrity", "kernels", "metadata", "weights" };

        /// <summary>"metadata" is free-form, and other top-level properties are errors: both are checked as
        /// JSON and their values not kept, whatever their size.</summary>
        private static readonly JsonReaderOptions JsonOptions = new JsonReaderOptions { KeepTopLevel = TopLevel.Where(p => p != "metadata").ToArray() };
        private static readonly string[] ArchitectureFields = { "family", "layers", "hidden", "intermediate", "vocab", "rms_norm_eps", "bos", "eos" };

        /// <summary>Reads a manifest. Tensors kept in an external weights file (a
        /// <c>"weights"</c> object) are read through <paramref name="weights"/>; without
        /// one such a manifest is an error (the source generator does no file I/O).</summary>
        /// <param name="deferExternal">With a resolver: check the weights file (size, SHA-256)
        /// and every tensor's range, hash the tensors in the file for the integrity digest by
        /// streaming them, but do not decode them: the model marks them with their
        /// <see cref="WeightsFileRange"/> and the caller reads each when it needs it (the
        /// runtime, which then never holds a tensor twice).</param>
        public static ManifestReadResult Read(string text, IWeightsFileResolver? weights = null, bool deferExternal = false)
        {
            var context = new ManifestValidation();
            ModelDefinition? model = null;
            try
            {
                model = ReadDocument(text, weights, deferExternal, context);
            }
            catch (TooManyErrors)
            {
            }
            return new ManifestReadResult(context.Errors.Count == 0 ? model : null, context.Errors);
        }

        private static ModelDefinition? ReadDocument(string text, IWeightsFileResolver? resolver, bool deferExternal, ManifestValidation v)
        {
            // The compiler reads additional files as UTF-8 leniently: bytes that are not UTF-8 arrive as
            // U+FFFD. Every reader refuses the character, so all agree that such a file is not a manifest
            // (a manifest may still hold it, escaped: writers escape it).
            int replacement = text.IndexOf('\uFFFD');
            if (replacement >= 0)
            {
                v.Add(ManifestErrorKind.InvalidJson,
                    "the manifest holds U+FFFD, the replacement character: its bytes were not UTF-8 where this was read, or the character is there (write it as \\ufffd)",
                    "", SourceSpan.At(text, replacement));
                return null;
            }
            var root = JsonReader.Parse(text, JsonOptions, out var syntax);
            if (root == null)
            {
                v.Add(ManifestErrorKind.InvalidJson, "invalid JSON: " + syntax!.Message, "", syntax.Span);
                return null;
            }
            if (root.Kind != JsonKind.Object)
            {
                v.Add(ManifestErrorKind.WrongType, "a manifest must be a JSON object, not " + root.KindName, "", root.Span);
                return null;
            }

            // Format and version first: a different format is reported alone.
            var format = v.Required(root, "format", "");
            if (format == null)
            {
                return null;
            }
            if (format.Kind != JsonKind.String || format.Text != FormatId)
            {
                v.Add(ManifestErrorKind.UnsupportedFormat, $"not a MatMulFree manifest: \"format\" must be \"{FormatId}\"", "/format", format.Span);
                return null;
            }
            var version = v.Required(root, "version", "");
            if (version == null)
            {
                return null;
            }
            if (version.Kind != JsonKind.Number || version.Text != SupportedVersion.ToString(CultureInfo.InvariantCulture))
            {
                v.Add(ManifestErrorKind.UnsupportedFormat, $"unsupported manifest version {ManifestValidation.Shorten(version.Text)}: this compiler reads version {SupportedVersion}", "/version", version.Span);
                return null;
            }
            v.NoOtherProperties(root, TopLevel, "");

            string name = v.String(v.Required(root, "name", ""), "/name") ?? "";
            if (name.Length == 0 && root.Find("name") is JsonProperty np && np.Value.Kind == JsonKind.String)
            {
                v.Add(ManifestErrorKind.InvalidValue, "\"name\" must not be empty", "/name", np.Value.Span);
            }
            var architecture = ReadArchitecture(v.Object(v.Required(root, "architecture", ""), "/architecture"), v);
            var tokenizer = architecture == null ? null : ReadTokenizer(v.Object(v.Required(root, "tokenizer", ""), "/tokenizer"), architecture, v);
            var tensorsValue = v.Object(v.Required(root, "tensors", ""), "/tensors");
            var integrity = v.Object(v.Required(root, "integrity", ""), "/integrity");
            if (architecture == null || tensorsValue == null)
            {
                return null;
            }

            var external = root.Find("weights") is JsonProperty wp ? WeightsFileReader.Open(wp.Value, resolver, deferExternal, v) : null;
            var tensors = ReadTensors(tensorsValue, architecture, external, v);
            var kernels = ReadKernels(root.Find("kernels")?.Value, architecture, v);
            string? expectedDigest = ReadIntegrity(integrity, v);
            if (tensors == null || tokenizer == null || expectedDigest == null || v.Errors.Count > 0)
            {
                return null;
            }
            var deferred = new List<WeightsFileRange>();
            foreach (var t in tensors.Values)
            {
                if (t.External != null)
                {
                    deferred.Add(t.External);
                }
            }
            // Data left in the weights file is hashed by one scan of it (which also checks the file's
            // own SHA-256); every later read of a range is checked against the hash found here.
            if (deferred.Count > 0 && external?.File != null && !WeightsFileReader.Verify(external, deferred, v))
            {
                return null;
            }
            var records = IntegrityRecords.Of(name, architecture, tokenizer, kernels, tensors);
            // Without the file (the source generator) the data's hashes are unknown: the generated
            // code completes the digest from the file when it loads it.
            if (records.IsComplete)
            {
                string digest = records.Digest();
                if (!string.Equals(digest, expectedDigest, StringComparison.Ordinal))
                {
                    var at = integrity!.Find("digest")!.Value;
                    v.Add(ManifestErrorKind.IntegrityMismatch,
                        $"integrity check failed: the model hashes to sha256 {digest}, the manifest says {expectedDigest} (the file was altered or truncated, or an older MatMulFree wrote it: docs/manifest.md, \"Integrity digest\")",
                        "/integrity/digest", at.Span);
                    return null;
                }
            }
            var model = ModelBuilder.Build(name, architecture, tokenizer, tensors, expectedDigest);
            model.KernelOverrides = kernels;
            model.IntegrityRecords = records;
            model.WeightsFile = external?.Reference;
            model.ExternalEmbeddings = tensors[TensorNames.Embeddings].External;
            return model;
        }

        private static Architecture? ReadArchitecture(JsonValue? obj, ManifestValidation v)
        {
            if (obj == null)
            {
                return null;
            }
            const string at = "/architecture";
            v.NoOtherProperties(obj, ArchitectureFields, at);
            var family = v.Required(obj, "family", at);
            if (family != null && (family.Kind != JsonKind.String || family.Text != Architecture.HgrnBitFamily))
            {
                v.Add(ManifestErrorKind.InvalidValue, $"unknown model family: this compiler builds \"{Architecture.HgrnBitFamily}\"", at + "/family", family.Span);
            }
            int? layers = v.Int(v.Required(obj, "layers", at), at + "/layers", 1, ManifestLimits.MaxLayers);
            int? hidden = v.Int(v.Required(obj, "hidden", at), at + "/hidden", 1, ManifestLimits.MaxHidden);
            int? intermediate = v.Int(v.Required(obj, "intermediate", at), at + "/intermediate", 1, ManifestLimits.MaxIntermediate);
            int? vocab = v.Int(v.Required(obj, "vocab", at), at + "/vocab", 1, ManifestLimits.MaxVocab);
            float? eps = v.Float(v.Required(obj, "rms_norm_eps", at), at + "/rms_norm_eps");
            var epsValue = obj.Find("rms_norm_eps")?.Value;
            if (eps.HasValue && !(eps.Value > 0f && eps.Value < 1f))
            {
                v.Add(ManifestErrorKind.InvalidValue, "\"rms_norm_eps\" must be greater than 0 and less than 1", at + "/rms_norm_eps", epsValue!.Span);
                eps = null;
            }
            int maxId = (vocab ?? ManifestLimits.MaxVocab) - 1;
            int? bos = v.Int(v.Required(obj, "bos", at), at + "/bos", 0, maxId);
            int? eos = v.Int(v.Required(obj, "eos", at), at + "/eos", 0, maxId);
            if (layers == null || hidden == null || intermediate == null || vocab == null || eps == null || bos == null || eos == null)
            {
                return null;
            }
            var a = new Architecture(layers.Value, hidden.Value, intermediate.Value, vocab.Value, eps.Value, bos.Value, eos.Value);
            foreach (var slot in TensorCatalog.For(a))
            {
                if (slot.ElementCount > ManifestLimits.MaxTensorElements)
                {
                    v.Add(ManifestErrorKind.TooLarge,
                        $"the architecture makes tensor \"{slot.Name}\" {slot.ElementCount:N0} elements, more than the {ManifestLimits.MaxTensorElements:N0} one tensor may hold",
                        at, obj.Span);
                    return null;
                }
            }
            return a;
        }

        private static TokenizerSpec? ReadTokenizer(JsonValue? obj, Architecture a, ManifestValidation v)
        {
            if (obj == null)
            {
                return null;
            }
            const string at = "/tokenizer";
            var type = v.Required(obj, "type", at);
            if (type == null)
            {
                return null;
            }
            if (type.Kind == JsonKind.String && type.Text == TokenizerSpec.BpeKind)
            {
                return ReadBpeTokenizer(obj, a, v);
            }
            v.NoOtherProperties(obj, new[] { "type", "byte_offset", "special_tokens" }, at);
            if (type.Kind != JsonKind.String || type.Text != TokenizerSpec.ByteKind)
            {
                v.Add(ManifestErrorKind.InvalidValue, "unknown tokenizer type: manifest v1 supports \"byte\" and \"bpe\"", at + "/type", type.Span);
                return null;
            }
            int? offset = v.Int(v.Required(obj, "byte_offset", at), at + "/byte_offset", 0, Math.Max(0, a.Vocab - 256));
            if (offset == null)
            {
                return null;
            }
            var specials = new List<SpecialToken>();
            var ids = new HashSet<int>();
            var specialsObj = v.Object(v.Required(obj, "special_tokens", at), at + "/special_tokens");
            if (specialsObj == null)
            {
                return null;
            }
            foreach (var p in specialsObj.Properties)
            {
                string ptr = ManifestValidation.Pointer(at + "/special_tokens", p);
                int? id = v.Int(p.Value, ptr, 0, a.Vocab - 1);
                if (id == null)
                {
                    continue;
                }
                if (p.Name.Length == 0)
                {
                    v.Add(ManifestErrorKind.InvalidValue, "a special token needs a non-empty text", ptr, p.NameSpan);
                }
                else if (id.Value >= offset.Value && id.Value < offset.Value + 256)
                {
                    v.Add(ManifestErrorKind.InvalidValue, $"special token \"{p.ShortName}\" has id {id}, which belongs to the byte range [{offset}, {offset + 255}]", ptr, p.Value.Span);
                }
                else if (!ids.Add(id.Value))
                {
                    v.Add(ManifestErrorKind.InvalidValue, $"special token id {id} is used twice", ptr, p.Value.Span);
                }
                else
                {
                    specials.Add(new SpecialToken(p.Name, id.Value));
                }
            }
            return new TokenizerSpec(TokenizerSpec.ByteKind, offset.Value, specials);
        }

        /// <summary>The Llama tokenizer: "pieces" (one per id, null for unused), "merges" ("a b"), "special_tokens", optional "unk".</summary>
        private static TokenizerSpec? ReadBpeTokenizer(JsonValue obj, Architecture a, ManifestValidation v)
        {
            const string at = "/tokenizer";
            v.NoOtherProperties(obj, new[] { "type", "pieces", "merges", "special_tokens", "unk" }, at);
            var piecesValue = v.OfKind(v.Required(obj, "pieces", at), JsonKind.Array, at + "/pieces");
            var mergesValue = v.OfKind(v.Required(obj, "merges", at), JsonKind.Array, at + "/merges");
            var specialsValue = v.Object(v.Required(obj, "special_tokens", at), at + "/special_tokens");
            if (piecesValue == null || mergesValue == null || specialsValue == null)
            {
                return null;
            }
            if (piecesValue.Items.Count != a.Vocab)
            {
                v.Add(ManifestErrorKind.WrongShape, $"{piecesValue.Items.Count:N0} pieces for a vocabulary of {a.Vocab:N0}", at + "/pieces", piecesValue.Span);
                return null;
            }
            var pieces = new string?[a.Vocab];
            var known = new HashSet<string>(StringComparer.Ordinal);
            for (int id = 0; id < pieces.Length; id++)
            {
                var item = piecesValue.Items[id];
                if (item.Kind == JsonKind.Null)
                {
                    continue;
                }
                if (item.Kind != JsonKind.String || item.Text.Length == 0)
                {
                    v.Add(ManifestErrorKind.WrongType, $"piece {id} must be a non-empty string or null", at + "/pieces/" + id, item.Span);
                    return null;
                }
                pieces[id] = item.Text;
                known.Add(item.Text);
            }
            var merges = new List<string>(mergesValue.Items.Count);
            for (int k = 0; k < mergesValue.Items.Count; k++)
            {
                var item = mergesValue.Items[k];
                int space = item.Kind == JsonKind.String ? item.Text.IndexOf(' ') : -1;
                if (space <= 0 || space == item.Text.Length - 1 || item.Text.IndexOf(' ', space + 1) >= 0)
                {
                    v.Add(ManifestErrorKind.InvalidValue, "a merge must be \"a b\": two pieces and one space", at + "/merges/" + k, item.Span);
                    return null;
                }
                if (!known.Contains(item.Text.Remove(space, 1)))
                {
                    v.Add(ManifestErrorKind.InvalidValue, $"merge \"{ManifestValidation.Shorten(item.Text)}\" makes a piece that is not in \"pieces\"", at + "/merges/" + k, item.Span);
                    return null;
                }
                merges.Add(item.Text);
            }
            var specials = new List<SpecialToken>();
            foreach (var p in specialsValue.Properties)
            {
                string ptr = ManifestValidation.Pointer(at + "/special_tokens", p);
                int? id = v.Int(p.Value, ptr, 0, a.Vocab - 1);
                if (id == null)
                {
                    return null;
                }
                if (pieces[id.Value] != p.Name)
                {
                    v.Add(ManifestErrorKind.InvalidValue, $"special token \"{p.ShortName}\" has id {id}, whose piece is \"{ManifestValidation.Shorten(pieces[id.Value] ?? "null")}\"", ptr, p.Value.Span);
                    return null;
                }
                specials.Add(new SpecialToken(p.Name, id.Value));
            }
            int unk = a.Bos;
            if (obj.Find("unk") is JsonProperty unkProperty)
            {
                int? parsed = v.Int(unkProperty.Value, at + "/unk", 0, a.Vocab - 1);
                if (parsed == null)
                {
                    return null;
                }
                unk = parsed.Value;
            }
            else
            {
                foreach (var s in specials)
                {
                    if (s.Text == "<unk>") unk = s.Id;
                }
            }
            return new TokenizerSpec(TokenizerSpec.BpeKind, 0, specials, pieces, merges, unk);
        }

        private static string? ReadIntegrity(JsonValue? obj, ManifestValidation v)
        {
            if (obj == null)
            {
                return null;
            }
            const string at = "/integrity";
            v.NoOtherProperties(obj, new[] { "algorithm", "digest" }, at);
            var algorithm = v.Required(obj, "algorithm", at);
            if (algorithm != null && (algorithm.Kind != JsonKind.String || algorithm.Text != "sha256"))
            {
                v.Add(ManifestErrorKind.InvalidValue, "\"algorithm\" must be \"sha256\"", at + "/algorithm", algorithm.Span);
                return null;
            }
            var digestValue = v.Required(obj, "digest", at);
            string? digest = v.String(digestValue, at + "/digest");
            if (digest == null)
            {
                return null;
            }
            if (digest.Length != 64 || !IsLowerHex(digest))
            {
                v.Add(ManifestErrorKind.InvalidValue, "\"digest\" must be 64 lowercase hexadecimal digits", at + "/digest", digestValue!.Span);
                return null;
            }
            return digest;
        }

        /// <summary>Optional per-layer kernel choices for compilers: BitLinear name -> "auto", "unrolled" or "packed".</summary>
        private static IReadOnlyDictionary<string, string> ReadKernels(JsonValue? value, Architecture a, ManifestValidation v)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            if (value == null || v.Object(value, "/kernels") == null)
            {
                return result;
            }
            var layers = new HashSet<string>(StringComparer.Ordinal);
            foreach (var slot in TensorCatalog.For(a))
            {
                if (slot.Kind == TensorKind.Ternary)
                {
                    layers.Add(slot.Name.Substring(0, slot.Name.Length - ".weight".Length));
                }
            }
            foreach (var p in value.Properties)
            {
                string ptr = ManifestValidation.Pointer("/kernels", p);
                string? layer = p.NameUpTo(128);
                if (layer == null || !layers.Contains(layer))
                {
                    v.Add(ManifestErrorKind.InvalidValue, $"\"{p.ShortName}\" is not a BitLinear of this model (e.g. model.layers.0.attn.i_proj, lm_head)", ptr, p.NameSpan);
                    continue;
                }
                string? form = v.String(p.Value, ptr);
                if (form == null)
                {
                    continue;
                }
                if (form != "auto" && form != "unrolled" && form != "packed")
                {
                    v.Add(ManifestErrorKind.InvalidValue, $"kernel \"{ManifestValidation.Shorten(form)}\" is not auto, unrolled or packed", ptr, p.Value.Span);
                    continue;
                }
                result[layer] = form;
            }
            return result;
        }

        internal static bool IsLowerHex(string s)
        {
            foreach (char c in s)
            {
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
                {
                    return false;
                }
            }
            return true;
        }

        private static Dictionary<string, DecodedTensor>? ReadTensors(JsonValue obj, Architecture a, OpenedWeightsFile? external, ManifestValidation v)
        {
            var slots = TensorCatalog.For(a);
            var byName = new Dictionary<string, TensorSlot>(StringComparer.Ordinal);
            foreach (var s in slots)
            {
                byName[s.Name] = s;
            }
            var result = new Dictionary<string, DecodedTensor>(StringComparer.Ordinal);
            foreach (var p in obj.Properties)
            {
                string ptr = ManifestValidation.Pointer("/tensors", p);
                string? name = p.NameUpTo(256);
                if (name == null || !byName.TryGetValue(name, out var slot))
                {
                    v.Add(ManifestErrorKind.UnexpectedTensor, $"unexpected tensor \"{p.ShortName}\": a {a.Layers}-layer hgrn-bit model has no such tensor", ptr, p.NameSpan);
                    continue;
                }
                var decoded = TensorDecoder.Decode(slot, p.Value, ptr, external, v);
                if (decoded != null)
                {
                    result[name] = decoded;
                }
            }
            foreach (var s in slots)
            {
                if (obj.Find(s.Name) == null)
                {
                    v.Add(ManifestErrorKind.MissingTensor, $"missing tensor \"{s.Name}\" [{string.Join(", ", s.Shape)}]", "/tensors", obj.Span);
                }
            }
            return result.Count == slots.Count ? result : null;
        }
    }
}
