using System;
using System.Collections.Generic;
using System.Text;

namespace MatMulFree.Runtime.Generation
{
    /// <summary>
    /// Holds back streamed text while its end could still be the start of a stop
    /// string, and reports a stop when one appears. Holds at most the length of
    /// the longest stop string, so memory does not grow with the text.
    /// </summary>
    internal sealed class StopStringMatcher
    {
        private readonly IReadOnlyList<string> _stops;
        private readonly StringBuilder _pending = new StringBuilder();

        public StopStringMatcher(IReadOnlyList<string> stops) => _stops = stops;

        public bool Stopped { get; private set; }

        /// <summary>Adds text; returns what may be shown now.</summary>
        public string Push(string text)
        {
            if (_stops.Count == 0)
            {
                return text;
            }
            _pending.Append(text);
            string pending = _pending.ToString();
            int cut = -1;
            foreach (var stop in _stops)
            {
                int at = pending.IndexOf(stop, StringComparison.Ordinal);
                if (at >= 0 && (cut < 0 || at < cut))
                {
                    cut = at;
                }
            }
            if (cut >= 0)
            {
                Stopped = true;
                _pending.Clear();
                return pending.Substring(0, cut);
            }
            int hold = 0;
            foreach (var stop in _stops)
            {
                for (int len = Math.Min(stop.Length - 1, pending.Length); len > hold; len--)
                {
                    if (string.CompareOrdinal(pending, pending.Length - len, stop, 0, len) == 0)
                    {
                        hold = len;
                        break;
                    }
                }
            }
            _pending.Clear();
            _pending.Append(pending, pending.Length - hold, hold);
            return pending.Substring(0, pending.Length - hold);
        }

        /// <summary>Releases what was held, at the end of a stream.</summary>
        public string Flush()
        {
            string rest = _pending.ToString();
            _pending.Clear();
            return rest;
        }
    }
}
