using System;
using System.Threading;

namespace MatMulFree.Runtime.Kernels
{
    /// <summary>Work that can be split by output rows.</summary>
    public interface IRowWork
    {
        void Execute(int start, int count);
    }

    /// <summary>
    /// A fixed set of threads that split a layer's rows: the caller runs the first
    /// share and background threads the others. Nothing is allocated per call (the
    /// work is an object the caller reuses), so a token step stays allocation-free.
    /// One <see cref="Run"/> at a time: concurrent callers wait their turn.
    /// </summary>
    public sealed class RowWorkers : IDisposable
    {
        private readonly Thread[] _threads;
        private readonly SemaphoreSlim[] _start;
        private readonly ManualResetEventSlim _done = new ManualResetEventSlim(false);
        private readonly object _gate = new object();
        private IRowWork? _work;
        private int _rows;
        private int _alignment = 1;
        private int _pending;
        private volatile bool _stopping;

        /// <param name="threads">Threads in all, the caller's included (1: no background thread).</param>
        public RowWorkers(int threads)
        {
            if (threads < 1 || threads > 256)
            {
                throw new ArgumentOutOfRangeException(nameof(threads), threads, "between 1 and 256 threads");
            }
            Threads = threads;
            _threads = new Thread[threads - 1];
            _start = new SemaphoreSlim[threads - 1];
            for (int t = 0; t < _threads.Length; t++)
            {
                int part = t + 1;
                _start[t] = new SemaphoreSlim(0);
                _threads[t] = new Thread(() => Loop(part)) { IsBackground = true, Name = "mmf-rows-" + part };
                _threads[t].Start();
            }
        }

        public int Threads { get; }

        /// <summary>Runs <paramref name="work"/> over rows [0, rows) in <see cref="Threads"/> parts and returns when all are done.
        /// Parts start at multiples of <paramref name="alignment"/> (a kernel's block of rows), so that no block is split.</summary>
        public void Run(IRowWork work, int rows, int alignment = 1)
        {
            if (alignment < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(alignment), alignment, "at least 1");
            }
            if (Threads == 1 || rows < 2 * Threads * alignment)
            {
                work.Execute(0, rows);
                return;
            }
            lock (_gate)
            {
                _work = work;
                _rows = rows;
                _alignment = alignment;
                _done.Reset();
                Volatile.Write(ref _pending, _threads.Length);
                foreach (var s in _start)
                {
                    s.Release();
                }
                var (start, count) = Part(0, rows);
                work.Execute(start, count);
                _done.Wait();
                _work = null;
            }
        }

        private (int Start, int Count) Part(int part, int rows)
        {
            int units = (rows + _alignment - 1) / _alignment;
            int start = Math.Min(rows, (int)((long)units * part / Threads) * _alignment);
            int end = Math.Min(rows, (int)((long)units * (part + 1) / Threads) * _alignment);
            return (start, end - start);
        }

        private void Loop(int part)
        {
            while (true)
            {
                _start[part - 1].Wait();
                if (_stopping)
                {
                    return;
                }
                var (start, count) = Part(part, _rows);
                try
                {
                    _work!.Execute(start, count);
                }
                finally
                {
                    if (Interlocked.Decrement(ref _pending) == 0)
                    {
                        _done.Set();
                    }
                }
            }
        }

        public void Dispose()
        {
            _stopping = true;
            foreach (var s in _start)
            {
                s.Release();
            }
            foreach (var t in _threads)
            {
                t.Join();
            }
        }
    }
}
