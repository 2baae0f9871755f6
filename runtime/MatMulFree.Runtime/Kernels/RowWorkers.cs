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
    /// A fixed set of threads that split a layer's rows. A call is cut into chunks
    /// of whole blocks (about <see cref="ChunksPerThread"/> per thread) that the caller
    /// and the background threads claim one at a time from a shared counter, so a thread
    /// that is slow to start or is descheduled (a busy machine) leaves its share to the
    /// others instead of holding the call up; the caller returns when every chunk is done.
    /// Nothing is allocated per call (the work is an object the caller reuses), so a token
    /// step stays allocation-free. One <see cref="Run"/> at a time: concurrent callers wait their turn.
    /// </summary>
    /// <remarks>
    /// Waiting spins before it blocks, on both sides: an idle worker polls for the next
    /// call and the caller polls for the last chunk, for up to <see cref="SpinMicroseconds"/>,
    /// yielding now and then, and only then sleep on a monitor. On the 2-vCPU KVM guests of
    /// docs/performance-history.md waking a thread that slept took 100-150 us, more than a whole
    /// 1024x1024 product; a prefill batch leaves the workers idle for 30-300 us between
    /// products (element-wise steps of a block of tokens), long enough for
    /// the short spin of <see cref="SemaphoreSlim"/> to give up each time.
    /// </remarks>
    public sealed class RowWorkers : IDisposable
    {
        /// <summary>How long a waiting thread polls before it sleeps.</summary>
        public const int SpinMicroseconds = 1000;

        /// <summary>Chunks per thread a call is cut into (fewer when the rows make fewer blocks).</summary>
        public const int ChunksPerThread = 8;

        /// <summary>The chunk counter of a generation whose fields are being written.</summary>
        private const int Closed = int.MaxValue;

        private static readonly long SpinTicks = Stopwatch.Frequency * SpinMicroseconds / 1_000_000;

        private readonly Thread[] _threads;
        private readonly object _wake = new object();
        private readonly object _finish = new object();
        private readonly object _gate = new object();
        private IRowWork? _work;
        private int _rows;
        private int _chunkRows;
        private int _chunks;
        private int _completed;
        /// <summary>The call's generation (high 32 bits) and its next unclaimed chunk (low 32 bits).</summary>
        private long _state;
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
                _threads[t] = new Thread(Loop) { IsBackground = true, Name = "mmf-rows-" + (t + 1) };
                _threads[t].Start();
            }
        }

        public int Threads { get; }

        /// <summary>Runs <paramref name="work"/> over rows [0, rows) on up to <see cref="Threads"/> threads and
        /// returns when all rows are done. Every <see cref="IRowWork.Execute"/> range starts at a multiple of
        /// <paramref name="alignment"/> (a kernel's block of rows), so that no block is split. The rows are cut
        /// into about <paramref name="chunksPerThread"/> chunks per thread.</summary>
        public void Run(IRowWork work, int rows, int alignment = 1, int chunksPerThread = ChunksPerThread)
        {
            if (alignment < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(alignment), alignment, "at least 1");
            }
            if (chunksPerThread < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(chunksPerThread), chunksPerThread, "at least 1");
            }
            if (Threads == 1 || rows < 2 * Threads * alignment)
            {
                work.Execute(0, rows);
                return;
            }
            lock (_gate)
            {
                // The new generation is published closed first: a worker still holding the previous
                // state can then claim nothing while the fields change, and one that sees the new
                // generation waits for it to open.
                long generation = (Volatile.Read(ref _state) >> 32) + 1;
                Interlocked.Exchange(ref _state, generation << 32 | Closed);
                int blocks = (rows + alignment - 1) / alignment;
                int blocksPerChunk = Math.Max(1, blocks / (Threads * chunksPerThread));
                _work = work;
                _rows = rows;
                _chunkRows = blocksPerChunk * alignment;
                _chunks = (rows + _chunkRows - 1) / _chunkRows;
                Volatile.Write(ref _completed, 0);
                // A full fence: the fields above are visible to whoever claims a chunk of this
                // generation, and a worker that then registers as a sleeper sees it (Dekker).
                Interlocked.Exchange(ref _state, generation << 32);
                if (Volatile.Read(ref _sleepers) > 0)
                {
                    lock (_wake)
                    {
                        Monitor.PulseAll(_wake);
                    }
                }
                try
                {
                    RunChunks(generation);
                }
                finally
                {
                    // Even when the caller's chunk threw: the workers finish the call before its
                    // fields can change, so no chunk of it runs against the next call's counters.
                    WaitForChunks();
                    _work = null;
                }
            }
        }

        /// <summary>Returns when every chunk of the current call is done: polls, then sleeps.</summary>
        private void WaitForChunks()
        {
            long deadline = Stopwatch.GetTimestamp() + SpinTicks;
            var spin = new SpinWait();
            while (Volatile.Read(ref _completed) != _chunks && Stopwatch.GetTimestamp() < deadline)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
            lock (_finish)
            {
                while (Volatile.Read(ref _completed) != _chunks)
                {
                    Monitor.Wait(_finish);
                }
            }
        }

        /// <summary>Claims and runs chunks of <paramref name="generation"/> until none is left
        /// (or the call is already over, for a worker that woke late).</summary>
        private void RunChunks(long generation)
        {
            var spin = new SpinWait();
            while (true)
            {
                long state = Volatile.Read(ref _state);
                int next = (int)state;
                if (state >> 32 != generation)
                {
                    return;
                }
                if (next == Closed)
                {
                    spin.SpinOnce(sleep1Threshold: -1); // the caller is filling in this generation's fields
                    continue;
                }
                if (next >= _chunks)
                {
                    return;
                }
                if (Interlocked.CompareExchange(ref _state, state + 1, state) != state)
                {
                    continue;
                }
                int start = next * _chunkRows;
                try
                {
                    _work!.Execute(start, Math.Min(_chunkRows, _rows - start));
                }
                finally
                {
                    if (Interlocked.Increment(ref _completed) == _chunks)
                    {
                        lock (_finish)
                        {
                            Monitor.PulseAll(_finish);
                        }
                    }
                }
            }
        }

        /// <summary>Waits until the generation differs from <paramref name="seen"/>: polls, then sleeps.</summary>
        private long NextGeneration(long seen)
        {
            long deadline = Stopwatch.GetTimestamp() + SpinTicks;
            var spin = new SpinWait();
            while (Volatile.Read(ref _state) >> 32 == seen && !_stopping)
            {
                if (Stopwatch.GetTimestamp() >= deadline)
                {
                    lock (_wake)
                    {
                        Interlocked.Increment(ref _sleepers);
                        while (Volatile.Read(ref _state) >> 32 == seen && !_stopping)
                        {
                            Monitor.Wait(_wake);
                        }
                        Interlocked.Decrement(ref _sleepers);
                    }
                    break;
                }
                spin.SpinOnce(sleep1Threshold: -1);
            }
            return Volatile.Read(ref _state) >> 32;
        }

        private void Loop()
        {
            long seen = 0;
            while (true)
            {
                seen = NextGeneration(seen);
                if (_stopping)
                {
                    return;
                }
                RunChunks(seen);
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
