using System;
using System.IO;

namespace MatMulFree.Cli
{
    /// <summary>A one-line progress bar on stderr for long conversions: redrawn in place
    /// on a terminal, printed every tenth of the work when stderr is a file or pipe.</summary>
    internal sealed class ProgressBar
    {
        private const int Width = 30;
        private readonly TextWriter _writer;
        private readonly bool _redraw;
        private readonly string _label;
        private int _lastTenth = -1;

        public ProgressBar(TextWriter writer, string label, bool redraw)
        {
            _writer = writer;
            _label = label;
            _redraw = redraw;
        }

        public void Report(int done, int total, string item)
        {
            int filled = total == 0 ? Width : (int)((long)done * Width / total);
            string line = $"{_label} [{new string('#', filled)}{new string('.', Width - filled)}] {done}/{total} {item}";
            if (_redraw)
            {
                _writer.Write("\r" + (line.Length > 110 ? line.Substring(0, 110) : line.PadRight(110)));
                if (done == total)
                {
                    _writer.WriteLine();
                }
                return;
            }
            int tenth = total == 0 ? 10 : (int)((long)done * 10 / total);
            if (tenth != _lastTenth)
            {
                _lastTenth = tenth;
                _writer.WriteLine(line);
            }
        }
    }
}
