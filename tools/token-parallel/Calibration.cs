using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

/// <summary>
/// What one 512-bit load and add of int16 lanes costs on this machine, from L1: in order, and at offsets
/// read from a list (as a token-parallel product reads its columns). The ceiling of any variant that
/// spends one such add per non-zero weight (or per pair of weights) for 32 tokens.
/// </summary>
internal static unsafe class Calibration
{
    public static void Print()
    {
        short* buffer = (short*)NativeMemory.AlignedAlloc(16384, 64);
        for (int i = 0; i < 8192; i++)
        {
            buffer[i] = (short)(i & 7);
        }
        var offsets = new int[4096];
        var rng = new Random(1);
        for (int i = 0; i < offsets.Length; i++)
        {
            offsets[i] = rng.Next(256) * 32;
        }
        var sequential = new double[7];
        var indexed = new double[7];
        Vector512<short> sink = default;
        for (int r = 0; r < 7; r++)
        {
            var sw = Stopwatch.StartNew();
            for (int rep = 0; rep < 20000; rep++)
            {
                sink += Sequential(buffer);
            }
            sequential[r] = sw.Elapsed.TotalNanoseconds / (20000.0 * 256);
            sw.Restart();
            fixed (int* o = offsets)
            {
                for (int rep = 0; rep < 1250; rep++)
                {
                    sink += Indexed(buffer, o, offsets.Length);
                }
            }
            indexed[r] = sw.Elapsed.TotalNanoseconds / (1250.0 * offsets.Length);
        }
        NativeMemory.AlignedFree(buffer);
        Array.Sort(sequential);
        Array.Sort(indexed);
        Console.WriteLine($"one 512-bit load and add from L1: {sequential[3]:F3} ns in order, {indexed[3]:F3} ns at listed offsets (medians of 7; {sink[0]})");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static Vector512<short> Sequential(short* p)
    {
        Vector512<short> a = default, b = default, c = default, d = default;
        for (int i = 0; i < 256; i += 4)
        {
            a += Vector512.Load(p + i * 32);
            b += Vector512.Load(p + i * 32 + 32);
            c += Vector512.Load(p + i * 32 + 64);
            d += Vector512.Load(p + i * 32 + 96);
        }
        return a + b + c + d;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static Vector512<short> Indexed(short* p, int* o, int count)
    {
        Vector512<short> a = default, b = default, c = default, d = default;
        for (int i = 0; i < count; i += 4)
        {
            a += Vector512.Load(p + o[i]);
            b += Vector512.Load(p + o[i + 1]);
            c += Vector512.Load(p + o[i + 2]);
            d += Vector512.Load(p + o[i + 3]);
        }
        return a + b + c + d;
    }
}
