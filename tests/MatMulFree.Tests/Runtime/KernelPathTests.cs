using System;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Runtime.InteropServices;
using MatMulFree.Runtime.Kernels;
using Xunit;

namespace MatMulFree.Tests.Runtime
{
    /// <summary>
    /// Which instruction-set path runs, checked against the CPU's own report (Linux's
    /// /proc/cpuinfo) and the .NET switches that turn paths off, not against .NET's detection:
    /// so the CI reruns with DOTNET_EnableAVX512=0 and DOTNET_EnableAVX2=0 are shown to run the
    /// AVX2 and Vector128 paths, not to run the AVX-512 one again under another name.
    /// </summary>
    public sealed class KernelPathTests
    {
        private static bool Enabled(string variable) => Environment.GetEnvironmentVariable(variable) != "0";

        [Fact]
        public void The_best_path_is_the_widest_the_cpu_has_and_the_runtime_is_allowed()
        {
            Assert.True(RuntimeInformation.ProcessArchitecture == Architecture.X64 && File.Exists("/proc/cpuinfo"),
                "these machines are x86-64 Linux; on another, this test needs its own source of CPU flags");
            var flags = File.ReadLines("/proc/cpuinfo").First(l => l.StartsWith("flags", StringComparison.Ordinal))
                .Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
            bool avx2 = flags.Contains("avx2") && Enabled("DOTNET_EnableAVX2") && Enabled("DOTNET_EnableAVX");
            bool avx512 = avx2 && flags.Contains("avx512bw") && Enabled("DOTNET_EnableAVX512");
            var expected = avx512 ? KernelPath.Avx512 : avx2 ? KernelPath.Avx2 : KernelPath.Vector128;
            Assert.Equal(expected, PackedTernaryKernel.Best);
            // The element-wise code (norms, MLGRU and GLU cells, the int8 kernel) runs Vector<T>: 256 bits with
            // AVX2 (also on AVX-512 machines, where .NET keeps Vector<T> at 256 by default), 128 without.
            Assert.Equal(avx2 ? 32 : 16, Vector<byte>.Count);
            string? named = Environment.GetEnvironmentVariable("MMF_EXPECT_KERNEL_PATH");
            if (named != null)
            {
                // Set by .ci/run for each rerun: what it means to test there.
                Assert.Equal(named, PackedTernaryKernel.Best.ToString());
            }
        }
    }
}
