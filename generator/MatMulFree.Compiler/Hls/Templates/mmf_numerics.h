/* mmf_numerics.h: the scalar float32 functions of MatMulFree's docs/numerics.md in
 * synthesizable C99. Only stdint.h: no math.h, so no library's expf or sqrtf decides
 * the last bits. Every target of MatMulFree (the C# runtime, the generated C#, this
 * C) computes these exactly, bit for bit. Compile with -ffp-contract=off and never
 * with -ffast-math: a fused multiply-add would change results. */
#ifndef MMF_NUMERICS_H
#define MMF_NUMERICS_H

#include <stdint.h>

/* HLS pragmas are written as MMF_PRAGMA(HLS ...): active under Vitis HLS synthesis,
 * absent for a plain C compiler (so -Wall -Werror builds of the testbench stay clean). */
#if defined(__SYNTHESIS__) || defined(MMF_HLS_PRAGMAS)
#define MMF_PRAGMA(x) _Pragma(#x)
#else
#define MMF_PRAGMA(x)
#endif

static inline float mmf_from_bits(uint32_t u)
{
    union { uint32_t u; float f; } v;
    v.u = u;
    return v.f;
}

static inline uint32_t mmf_to_bits(float f)
{
    union { uint32_t u; float f; } v;
    v.f = f;
    return v.u;
}

/* floor(v) for |v| < 2^31 (-0 stays -0, as IEEE floor keeps it). */
static inline float mmf_floor(float v)
{
    float t = (float)(int32_t)v;
    if (t == v) return v;
    return t > v ? t - 1.0f : t;
}

/* e^x: x = k ln2 + r, Taylor polynomial of degree 7 for e^r, times 2^k (docs/numerics.md). */
static inline float mmf_exp(float x)
{
    float kf, r, p;
    int32_t k;
    if (x != x) return x;
    if (x > 88.72283f) return mmf_from_bits(0x7F800000u);
    if (x < -87.33654f) return 0.0f;
    kf = mmf_floor(x * 1.44269504f + 0.5f);
    r = (x - kf * 0.693359375f) - kf * -2.12194440e-4f;
    p = 1.0f + r * (1.0f + r * (0.5f + r * (0.16666667f + r * (0.041666668f
        + r * (0.008333334f + r * (0.0013888889f + r * 0.0001984127f))))));
    k = (int32_t)kf;
    if (k > 127) {
        p = p * 2.0f;
        k = k - 1;
    }
    return p * mmf_from_bits((uint32_t)(k + 127) << 23);
}

static inline float mmf_sigmoid(float z) { return 1.0f / (1.0f + mmf_exp(-z)); }

static inline float mmf_silu(float z) { return z * mmf_sigmoid(z); }

/* The correctly rounded square root (what IEEE sqrtf returns), from integers:
 * x = m 2^E with m of 24 bits, M = m << (23 + d) with E - 23 - d even, then the
 * 24-bit integer root of M by the digit-by-digit method, rounded to nearest
 * (a tie is impossible for an integer M). Loops have static bounds. */
static inline float mmf_sqrt(float x)
{
    uint32_t u = mmf_to_bits(x);
    int32_t e = (int32_t)((u >> 23) & 0xFFu);
    uint64_t m = u & 0x7FFFFFu, big, root = 0, rem = 0, trial;
    int32_t i, d, j;
    if (x == 0.0f || e == 0xFF) return x;             /* +-0, infinity, NaN */
    if (u >> 31) return mmf_from_bits(0x7FC00000u);   /* negative: NaN */
    if (e == 0) {                                      /* subnormal: normalize */
        e = 1;
        for (i = 0; i < 23; i++) {
            if ((m & 0x800000u) == 0) {
                m <<= 1;
                e -= 1;
            }
        }
    } else {
        m |= 0x800000u;
    }
    e -= 127 + 23;                                     /* x = m * 2^e */
    d = ((e - 23) & 1) != 0 ? 1 : 0;
    big = m << (23 + d);
    j = (e - 23 - d) / 2;                              /* exact: e - 23 - d is even */
    for (i = 23; i >= 0; i--) {
        rem = (rem << 2) | ((big >> (2 * i)) & 3u);
        trial = (root << 2) | 1u;
        root <<= 1;
        if (rem >= trial) {
            rem -= trial;
            root |= 1u;
        }
    }
    if (rem > root) root += 1;                         /* round to nearest */
    if (root == 0x1000000u) {                          /* 2^24: carry into the exponent */
        root = 0x800000u;
        j += 1;
    }
    return mmf_from_bits((uint32_t)(j + 23 + 127) << 23 | (uint32_t)(root - 0x800000u));
}

/* Round to nearest, ties away from zero (roundf), for |v| < 2^31; the fraction v - trunc(v) is exact. */
static inline int32_t mmf_round_half_away(float v)
{
    int32_t t = (int32_t)v;
    float f = v - (float)t;
    if (f >= 0.5f) t += 1;
    else if (f <= -0.5f) t -= 1;
    return t;
}

static inline float mmf_abs(float v) { return v < 0.0f ? -v : v; }

#endif /* MMF_NUMERICS_H */
