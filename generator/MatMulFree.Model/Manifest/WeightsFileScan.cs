using System;
using System.Collections.Generic;
using System.Security.Cryptography;

namespace MatMulFree.Model.Manifest
{
    /// <summary>
    /// One sequential pass over a weights file that computes, from the same bytes,
    /// the SHA-256 of the whole file (what the manifest states) and of each
    /// <see cref="WeightsFileRange"/> given (and of each of its rows, for a table read a
    /// row at a time), in chunks of <see cref="ChunkBytes"/>. A reader checks the file's
    /// hash and then every later read against the range's: nothing is used that was not
    /// verified, even if the file changes between the two.
    /// </summary>
    public static class WeightsFileScan
    {
        public const int ChunkBytes = 1 << 20;

        /// <summary>Scans <paramref name="file"/>; returns its SHA-256 (lowercase hex) and sets each range's hashes.</summary>
        /// <exception cref="System.IO.IOException">The file became shorter than when it was opened.</exception>
        public static string Run(IWeightsFile file, IReadOnlyList<WeightsFileRange> ranges)
        {
            var states = new List<RangeState>(ranges.Count);
            foreach (var r in ranges)
            {
                if (r.Offset < 0 || r.Length < 0 || r.Offset + r.Length > file.Length)
                {
                    throw new ArgumentException($"bytes {r.Offset} to {r.Offset + r.Length} lie outside the {file.Length}-byte file");
                }
                states.Add(new RangeState(r));
            }
            states.Sort((a, b) => a.Range.Offset.CompareTo(b.Range.Offset));
            using var whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var chunk = new byte[(int)Math.Min(ChunkBytes, Math.Max(1, file.Length))];
            int first = 0;
            for (long at = 0; at < file.Length; at += chunk.Length)
            {
                int count = (int)Math.Min(chunk.Length, file.Length - at);
                file.Read(at, chunk, 0, count);
                // The whole file's hash on another core while this one hashes the ranges and rows of the same bytes.
                var wholeTask = states.Count > 0 ? System.Threading.Tasks.Task.Run(() => whole.AppendData(chunk, 0, count)) : null;
                if (wholeTask == null)
                {
                    whole.AppendData(chunk, 0, count);
                }
                for (int k = first; k < states.Count; k++)
                {
                    var s = states[k];
                    if (s.Range.Offset >= at + count)
                    {
                        break;
                    }
                    s.Append(chunk, at, count);
                    if (k == first && s.Done)
                    {
                        first++;
                    }
                }
                wholeTask?.Wait();
            }
            foreach (var s in states)
            {
                s.Finish();
            }
            return IntegrityDigest.LowerHex(whole.GetHashAndReset());
        }

        private sealed class RangeState
        {
            private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            private readonly IncrementalHash? _row;
            private readonly byte[]? _rows;
            private long _done;
            private int _inRow;
            private int _rowIndex;

            public RangeState(WeightsFileRange range)
            {
                Range = range;
                if (range.RowBytes > 0)
                {
                    if (range.Length % range.RowBytes != 0)
                    {
                        throw new ArgumentException($"{range.Length} bytes are not whole rows of {range.RowBytes}");
                    }
                    _row = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    _rows = new byte[checked((int)(range.Length / range.RowBytes * 32))];
                }
            }

            public WeightsFileRange Range { get; }

            public bool Done => _done == Range.Length;

            /// <summary>Feeds the part of a chunk (file bytes from <paramref name="at"/>) that lies in the range.</summary>
            public void Append(byte[] chunk, long at, int count)
            {
                long from = Math.Max(at, Range.Offset + _done);
                long to = Math.Min(at + count, Range.Offset + Range.Length);
                if (to <= from)
                {
                    return;
                }
                int index = (int)(from - at);
                int length = (int)(to - from);
                _hash.AppendData(chunk, index, length);
                _done += length;
                while (_row != null && length > 0)
                {
                    int take = Math.Min(length, Range.RowBytes - _inRow);
                    _row.AppendData(chunk, index, take);
                    index += take;
                    length -= take;
                    _inRow += take;
                    if (_inRow == Range.RowBytes)
                    {
                        Buffer.BlockCopy(_row.GetHashAndReset(), 0, _rows!, 32 * _rowIndex++, 32);
                        _inRow = 0;
                    }
                }
            }

            public void Finish()
            {
                Range.Sha256 = _hash.GetHashAndReset();
                Range.RowSha256 = _rows;
                _hash.Dispose();
                _row?.Dispose();
            }
        }
    }
}
