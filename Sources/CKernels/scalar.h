#ifndef ZOETROPE_CKERNELS_SCALAR_H
#define ZOETROPE_CKERNELS_SCALAR_H
// Inline helpers shared by the kernels (not part of the module's interface): a vectorisable exp,
// bfloat16 rounding, float32 <-> bfloat16 row conversion, and the instruction-set level.
#include <math.h>
#include <stdint.h>
#include <string.h>

/// exp with the 1.5·2^23 rounding trick and a degree-6 polynomial (relative error ~2e-7); 0 below
/// -87.3, +inf above 88.
static inline __attribute__((always_inline)) float zt_exp(float x) {
    const float lower = -87.33654f, upper = 88.0f;
    float xc = x < lower ? lower : (x > upper ? upper : x);
    float shifted = xc * 1.44269504088896341f + 12582912.0f;
    float n = shifted - 12582912.0f;
    float r = xc - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1.0f;
    int32_t bits;
    memcpy(&bits, &shifted, 4);
    int32_t exponent = (bits - 0x4B400000 + 127) << 23;
    float scale;
    memcpy(&scale, &exponent, 4);
    float result = p * scale;
    return x < lower ? 0.0f : (x > upper ? INFINITY : result);
}

/// The bfloat16 bits of `value`, rounded to nearest even; NaN stays a (quiet) NaN.
static inline __attribute__((always_inline)) uint16_t zt_bf16(float value) {
    uint32_t bits;
    memcpy(&bits, &value, 4);
    uint32_t rounded = (bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16;
    uint32_t nan = (bits >> 16) | 0x40u;
    return (uint16_t)(((bits & 0x7FFFFFFFu) > 0x7F800000u) ? nan : rounded);
}

/// `value` rounded to the nearest bfloat16, as a float32.
static inline __attribute__((always_inline)) float zt_round_bf16(float value) {
    uint32_t bits = (uint32_t)zt_bf16(value) << 16;
    float out;
    memcpy(&out, &bits, 4);
    return out;
}

/// Widens `n` elements (float32, or bfloat16 when `bf16`) into float32 (a plain loop per type, so
/// each vectorises).
static inline __attribute__((always_inline)) void zt_widen(const void *x, int bf16, long n, float *out) {
    if (bf16) {
        const uint16_t *s = (const uint16_t *)x;
        for (long i = 0; i < n; i++) {
            uint32_t bits = (uint32_t)s[i] << 16;
            memcpy(out + i, &bits, 4);
        }
    } else {
        memcpy(out, x, (size_t)n * 4);
    }
}

/// Stores `n` float32 values as float32, or rounded to bfloat16 when `bf16`.
static inline __attribute__((always_inline)) void zt_narrow(const float *v, long n, void *out, int bf16) {
    if (bf16) {
        uint16_t *d = (uint16_t *)out;
        for (long i = 0; i < n; i++) d[i] = zt_bf16(v[i]);
    } else {
        memcpy(out, v, (size_t)n * 4);
    }
}

/// 2 with AVX-512 (F, BW, VL, DQ), 1 with AVX2 + FMA, else 0; found once (kernels.c).
int zt_isa_level(void);

#endif
