using System;
using System.Threading;
using MatMulFree.Model;
using MatMulFree.Runtime;
using MatMulFree.Runtime.Kernels;
using Xunit;

namespace MatMulFree.Tests.Runtime
{
    public sealed class RowWorkersTests
    {
        private sealed class Marker : IRowWork
        {
            public int[] Hits = new int[1000];
            public int[] ThreadOf = new int[1000];
            public int Delay;

            public void Execute(int start, int count)
            {
                System.Threading.Thread.SpinWait(Delay);
                for (int n = start; n < start + count; n++)
                {
                    Interlocked.Increment(ref Hits[n]);
                    ThreadOf[n] = Environment.CurrentManagedThreadId;
                }
            }
        }

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        public void Every_row_runs_exactly_once_on_the_given_threads(int threads)
        {
            // Chunks are claimed dynamically, so one call may run on fewer threads (a worker that
            // wakes late finds nothing left); over enough calls every thread takes part.
            using var workers = new RowWorkers(threads);
            var work = new Marker();
            var seen = new System.Collections.Generic.HashSet<int>();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            int rounds = 0;
            while (rounds < 50 || (seen.Count < threads && clock.Elapsed.TotalSeconds < 20))
            {
                workers.Run(work, 1000);
                rounds++;
                seen.UnionWith(work.ThreadOf);
            }
            Assert.All(work.Hits, h => Assert.Equal(rounds, h));
            Assert.Equal(threads, seen.Count);
        }

        [Fact]
        public void Workers_that_went_to_sleep_wake_for_the_next_call_and_dispose_promptly()
        {
            // Past the spin budget the workers block on a monitor; a call must still wake them all,
            // and Dispose must end threads that are asleep.
            var workers = new RowWorkers(3);
            var work = new Marker();
            var calls = new Thread(() =>
            {
                for (int round = 0; round < 4; round++)
                {
                    Thread.Sleep(RowWorkers.SpinMicroseconds / 1000 * 5);
                    workers.Run(work, 1000);
                }
            });
            calls.IsBackground = true; // a hung call must not keep the test process alive
            calls.Start();
            Assert.True(calls.Join(TimeSpan.FromSeconds(30)), "a call never returned: sleeping workers were not woken");
            Assert.All(work.Hits, h => Assert.Equal(4, h));
            Thread.Sleep(RowWorkers.SpinMicroseconds / 1000 * 5);
            var disposing = new Thread(workers.Dispose);
            disposing.Start();
            Assert.True(disposing.Join(TimeSpan.FromSeconds(10)), "Dispose did not return");
        }

        private sealed class ThrowsOnThread : IRowWork
        {
            public int Thread;

            public void Execute(int start, int count)
            {
                if (Environment.CurrentManagedThreadId == Thread)
                {
                    throw new InvalidOperationException("the caller's chunk failed");
                }
                System.Threading.Thread.SpinWait(20_000); // the workers' chunks are still running when it throws
            }
        }

        [Fact]
        public void After_a_chunk_throws_on_the_caller_the_next_call_still_runs_every_row_once()
        {
            using var workers = new RowWorkers(2);
            var failing = new ThrowsOnThread { Thread = Environment.CurrentManagedThreadId };
            int thrown = 0;
            for (int attempt = 0; attempt < 100 && thrown < 5; attempt++)
            {
                try
                {
                    workers.Run(failing, 1000);
                }
                catch (InvalidOperationException)
                {
                    thrown++;
                }
                var work = new Marker { Delay = 2_000 };
                workers.Run(work, 1000);
                Assert.All(work.Hits, h => Assert.Equal(1, h));
            }
            Assert.True(thrown > 0, "the caller never ran a chunk of the failing call");
        }

        private sealed class Parts : IRowWork
        {
            public readonly System.Collections.Concurrent.ConcurrentBag<(int Start, int Count)> Seen = new();

            public void Execute(int start, int count) => Seen.Add((start, count));
        }

        [Theory]
        [InlineData(2, 1000, 64, RowWorkers.ChunksPerThread)]
        [InlineData(3, 1000, 64, RowWorkers.ChunksPerThread)]
        [InlineData(2, 150, 64, RowWorkers.ChunksPerThread)]
        [InlineData(3, 130, 64, RowWorkers.ChunksPerThread)]
        [InlineData(2, 1000, 64, 1)]
        [InlineData(2, 1000, 64, 2)]
        [InlineData(3, 2048, 64, 2)]
        [InlineData(2, 1000, 1, 3)]
        public void Aligned_parts_start_on_a_block_and_cover_every_row_once(int threads, int rows, int alignment, int chunksPerThread)
        {
            using var workers = new RowWorkers(threads);
            var work = new Parts();
            workers.Run(work, rows, alignment, chunksPerThread);
            // About chunksPerThread chunks per thread, of whole blocks (the last may be short); fewer
            // than two blocks per thread run on the caller in one part.
            int blocks = (rows + alignment - 1) / alignment;
            int chunkBlocks = Math.Max(1, blocks / (threads * chunksPerThread));
            int parts = rows < 2 * threads * alignment ? 1 : (blocks + chunkBlocks - 1) / chunkBlocks;
            Assert.Equal(parts, work.Seen.Count);
            var hits = new int[rows];
            foreach (var (start, count) in work.Seen)
            {
                if (count > 0) Assert.Equal(0, start % alignment);
                for (int n = start; n < start + count; n++) hits[n]++;
            }
            Assert.All(hits, h => Assert.Equal(1, h));
        }

        [Theory]
        [InlineData("tiny-l2-h64")]
        [InlineData("tiny-l3-h96")]
        public void Row_parallel_models_are_bit_identical_and_allocate_nothing(string name)
        {
            using var parallel = GenericModel.Load(TestData.Model(name), ProductForm.Packed, threads: 2);
            using var forced = new GenericModel(parallel.Definition, ProductForm.Packed, threads: 2, parallelMinimumWeights: 0);
            var single = GenericModel.Load(TestData.Model(name), ProductForm.Rows, path: KernelPath.Scalar);
            var (s1, s2) = (single.CreateState(), forced.CreateState());
            var (l1, l2) = (new float[single.Architecture.Vocab], new float[single.Architecture.Vocab]);
            foreach (int token in GoldenLogits.Load(name).Tokens)
            {
                single.Step(token, s1, l1);
                forced.Step(token, s2, l2);
                Assert.Equal(l1, l2);
            }
            long least = long.MaxValue;
            for (int round = 0; round < 10 && least > 0; round++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int n = 0; n < 100; n++) forced.Step(3 + n, s2, l2);
                least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            }
            Assert.Equal(0, least);
        }
    }
}
