using System;
using System.Diagnostics;
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
    /// <remarks>
    /// Waiting spins before it blocks, on both sides: an idle worker polls for the next
    /// call and the caller polls for the workers' end, for up to <see cref="SpinMicroseconds"/>,
    /// and only then sleep on a monitor / event. On the 2-vCPU KVM guests of
    /// docs/performance.md waking a thread that slept took 100-150 us, more than a whole
    /// 1024x1024 product; a prefill batch leaves the workers idle for 30-300 us between
    /// products (quantization, tables, element-wise steps of 16 tokens), long enough for
    /// the short spin of <see cref="SemaphoreSlim"/> to give up each time.
    /// </remarks>
    public sealed class RowWorkers : IDisposable
    {
        /// <summary>How long a waiting thread polls before it sleeps.</summary>
        public const int SpinMicroseconds = 1000;

        private static readonly long SpinTicks = Stopwatch.Frequency * SpinMicroseconds / 1_000_000;

        private readonly Thread[] _threads;
        private readonly object _wake = new object();
        private readonly ManualResetEventSlim _done = new ManualResetEventSlim(false);
        private readonly object _gate = new object();
        private IRowWork? _work;
        private int _rows;
        private int _alignment = 1;
        private int _pending;
        private int _generation;
        private int _sleepers;
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
            for (int t = 0; t < _threads.Length; t++)
            {
                int part = t + 1;
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
                // A full fence: a worker that then registers as a sleeper sees the new generation (Dekker).
                Interlocked.Increment(ref _generation);
                if (Volatile.Read(ref _sleepers) > 0)
                {
                    lock (_wake)
                    {
                        Monitor.PulseAll(_wake);
                    }
                }
                var (start, count) = Part(0, rows);
                work.Execute(start, count);
                long deadline = Stopwatch.GetTimestamp() + SpinTicks;
                while (Volatile.Read(ref _pending) != 0 && Stopwatch.GetTimestamp() < deadline)
                {
                    Thread.SpinWait(16);
                }
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

        /// <summary>Waits until the generation differs from <paramref name="seen"/>: polls, then sleeps.</summary>
        private int NextGeneration(int seen)
        {
            long deadline = Stopwatch.GetTimestamp() + SpinTicks;
            while (Volatile.Read(ref _generation) == seen && !_stopping)
            {
                if (Stopwatch.GetTimestamp() >= deadline)
                {
                    lock (_wake)
                    {
                        Interlocked.Increment(ref _sleepers);
                        while (Volatile.Read(ref _generation) == seen && !_stopping)
                        {
                            Monitor.Wait(_wake);
                        }
                        Interlocked.Decrement(ref _sleepers);
                    }
                    break;
                }
                Thread.SpinWait(16);
            }
            return Volatile.Read(ref _generation);
        }

        private void Loop(int part)
        {
            int seen = 0;
            while (true)
            {
                seen = NextGeneration(seen);
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
            lock (_wake)
            {
                Monitor.PulseAll(_wake);
            }
            foreach (var t in _threads)
            {
                t.Join();
            }
        }
    }
}
