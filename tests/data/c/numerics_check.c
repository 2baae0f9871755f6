/* docs/numerics.md transcribed to C99, independently of the C# sources, to
 * prove that the project's float32 functions give the same bits in C (the
 * language of the HLS backend) as in C#. Build:
 *   gcc -std=c99 -O2 -ffp-contract=off -Wall -Wextra -Werror numerics_check.c -lm
 * Input lines: "e HEX" (exp, sigmoid, silu of one float) or "r N HEX..." (inverse RMS
 * of N floats with eps 1e-6). Output: result bits in hex, one line per input line.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static float from_bits(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static uint32_t to_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

static float mmf_exp(float x)
{
    if (x != x) return x;
    if (x > 88.72283f) return from_bits(0x7F800000u);
    if (x < -87.33654f) return 0.0f;
    float kf = floorf(x * 1.44269504f + 0.5f);
    float r = (x - kf * 0.693359375f) - kf * -2.12194440e-4f;
    float p = 1.0f + r * (1.0f + r * (0.5f + r * (0.16666667f + r * (0.041666668f
        + r * (0.008333334f + r * (0.0013888889f + r * 0.0001984127f))))));
    int k = (int)kf;
    if (k > 127) { p *= 2.0f; k -= 1; }
    return p * from_bits((uint32_t)(k + 127) << 23);
}

static float mmf_sigmoid(float z) { return 1.0f / (1.0f + mmf_exp(-z)); }

static float inverse_rms(const float *x, int n, float eps)
{
    float lane[16] = {0};
    for (int k = 0; k < n; k++) { float sq = x[k] * x[k]; lane[k & 15] += sq; }
    for (int w = 8; w >= 1; w /= 2)
        for (int j = 0; j < w; j++) lane[j] += lane[j + w];
    return 1.0f / sqrtf(lane[0] / (float)n + eps);
}

int main(void)
{
    char kind;
    static float v[4096];
    while (scanf(" %c", &kind) == 1) {
        if (kind == 'e') {
            unsigned u;
            if (scanf("%x", &u) != 1) return 2;
            float x = from_bits(u);
            float s = mmf_sigmoid(x);
            printf("%08x %08x %08x\n", (unsigned)to_bits(mmf_exp(x)), (unsigned)to_bits(s), (unsigned)to_bits(x * s));
        } else if (kind == 'r') {
            int n;
            if (scanf("%d", &n) != 1 || n < 1 || n > 4096) return 2;
            for (int k = 0; k < n; k++) { unsigned u; if (scanf("%x", &u) != 1) return 2; v[k] = from_bits(u); }
            printf("%08x\n", (unsigned)to_bits(inverse_rms(v, n, 1e-6f)));
        } else {
            return 2;
        }
    }
    return 0;
}
