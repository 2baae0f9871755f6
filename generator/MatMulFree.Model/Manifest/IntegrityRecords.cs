using System.Collections.Generic;
using MatMulFree.Model;

namespace MatMulFree.Model.Manifest
{
    /// <summary>
    /// What a model's integrity digest is made of (<see cref="IntegrityDigest"/>): the
    /// hash of its model record and of each tensor's record. A tensor whose data was
    /// left unread in a weights file that was not opened (the source generator reads
    /// no files) has no record yet: the generated code makes it from the file's bytes
    /// when it loads them, and completes the digest then.
    /// </summary>
    public sealed class IntegrityRecords
    {
        private IntegrityRecords(byte[] modelRecord, IReadOnlyDictionary<string, byte[]?> tensorRecords)
        {
            ModelRecord = modelRecord;
            TensorRecords = tensorRecords;
        }

        /// <summary>SHA-256 of the model record (name, architecture, tokenizer, kernel choices).</summary>
        public byte[] ModelRecord { get; }

        /// <summary>Each tensor's record hash by name; null for data not hashed yet.</summary>
        public IReadOnlyDictionary<string, byte[]?> TensorRecords { get; }

        public bool IsComplete
        {
            get
            {
                foreach (var r in TensorRecords.Values)
                {
                    if (r == null)
                    {
                        return false;
                    }
                }
                return true;
            }
        }

        /// <summary>The digest (64 lowercase hex digits); only when <see cref="IsComplete"/>.</summary>
        public string Digest()
        {
            var list = new List<KeyValuePair<string, byte[]>>(TensorRecords.Count);
            foreach (var r in TensorRecords)
            {
                list.Add(new KeyValuePair<string, byte[]>(r.Key, r.Value ?? throw new System.InvalidOperationException($"tensor {r.Key} has not been hashed")));
            }
            return IntegrityDigest.Combine(ModelRecord, list);
        }

        internal static IntegrityRecords Of(string name, Architecture a, TokenizerSpec t, IReadOnlyDictionary<string, string> kernels,
            Dictionary<string, DecodedTensor> tensors)
        {
            var records = new Dictionary<string, byte[]?>(System.StringComparer.Ordinal);
            foreach (var e in tensors)
            {
                var d = e.Value;
                byte[]? payload = d.External != null ? d.External.Sha256 : d.PayloadSha256();
                records[e.Key] = payload == null ? null : IntegrityDigest.TensorRecord(e.Key, d.Dtype, d.Slot.Shape, d.Beta, payload);
            }
            return new IntegrityRecords(IntegrityDigest.ModelRecord(name, a, t, kernels), records);
        }
    }
}
