#include "CKernels.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

// Elementwise kernels over float32 or bfloat16 operands (flagged per operand), computed in float32
// and rounded once to the output type: the activations through a vectorisable exp (the same
// polynomial as the softmax kernel, relative error ~2e-7) instead of the C library's scalar calls,
// and same-shape binary ops without float32 copies of their operands.

static inline __attribute__((always_inline)) float ew_exp(float x) {
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

static inline __attribute__((always_inline)) uint16_t ew_bf16(float value) {
    uint32_t bits;
    memcpy(&bits, &value, 4);
    uint32_t rounded = (bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16;
    uint32_t nan = (bits >> 16) | 0x40u;
    return (uint16_t)(((bits & 0x7FFFFFFFu) > 0x7F800000u) ? nan : rounded);
}

// tanh(y) = sign(y)·(1 − 2/(exp(2|y|) + 1)); exact limits ±1 for large |y|, NaN stays NaN.
static inline __attribute__((always_inline)) float ew_tanh(float y) {
    float a = fabsf(y);
    float t = 1.0f - 2.0f / (ew_exp(2.0f * a) + 1.0f);
    if (a < 0.0004f) t = a;  // tanh(a) = a − a³/3: below 4e-4 the cubic term is under float32's rounding.
    t = copysignf(t, y);
    return y != y ? y : t;
}

static inline __attribute__((always_inline)) float ew_apply(int op, float x) {
    switch (op) {
    case ZT_UNARY_SILU: return x / (1.0f + ew_exp(-x));
    case ZT_UNARY_SIGMOID: return 1.0f / (1.0f + ew_exp(-x));
    case ZT_UNARY_EXP: return ew_exp(x);
    case ZT_UNARY_TANH: return ew_tanh(x);
    default: /* ZT_UNARY_GELU_TANH */
        return 0.5f * x * (1.0f + ew_tanh(0.797884560802865356f * (x + 0.044715f * x * x * x)));
    }
}

// Chunks of 256 elements: widened into a float32 buffer, computed, narrowed (a plain loop per
// step, so each vectorises whatever the op and the types).
#define EW_CHUNK 256

static inline __attribute__((always_inline)) void ew_widen(const void *x, int bf16, long n, float *out) {
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

static inline __attribute__((always_inline)) void ew_narrow(const float *v, long n, void *out, int bf16) {
    if (bf16) {
        uint16_t *d = (uint16_t *)out;
        for (long i = 0; i < n; i++) d[i] = ew_bf16(v[i]);
    } else {
        memcpy(out, v, (size_t)n * 4);
    }
}

#define EW_DEFINE(SUFFIX, TARGET)                                                                    \
TARGET static void unary_##SUFFIX(int op, const void *x, int x_bf16, long n, void *out, int out_bf16) { \
    float buffer[EW_CHUNK];                                                                          \
    for (long start = 0; start < n; start += EW_CHUNK) {                                             \
        long count = n - start < EW_CHUNK ? n - start : EW_CHUNK;                                    \
        ew_widen((const char *)x + start * (x_bf16 ? 2 : 4), x_bf16, count, buffer);                 \
        switch (op) {                                                                                \
        case ZT_UNARY_SILU: for (long i = 0; i < count; i++) buffer[i] = ew_apply(ZT_UNARY_SILU, buffer[i]); break; \
        case ZT_UNARY_SIGMOID: for (long i = 0; i < count; i++) buffer[i] = ew_apply(ZT_UNARY_SIGMOID, buffer[i]); break; \
        case ZT_UNARY_EXP: for (long i = 0; i < count; i++) buffer[i] = ew_apply(ZT_UNARY_EXP, buffer[i]); break; \
        case ZT_UNARY_TANH: for (long i = 0; i < count; i++) buffer[i] = ew_apply(ZT_UNARY_TANH, buffer[i]); break; \
        default: for (long i = 0; i < count; i++) buffer[i] = ew_apply(ZT_UNARY_GELU_TANH, buffer[i]); break; \
        }                                                                                            \
        ew_narrow(buffer, count, (char *)out + start * (out_bf16 ? 2 : 4), out_bf16);                \
    }                                                                                                \
}                                                                                                    \
TARGET static void binary_##SUFFIX(int op, const void *a, int a_bf16, const void *b, int b_bf16, long n, \
                                   void *out, int out_bf16) {                                        \
    float left[EW_CHUNK], right[EW_CHUNK];                                                           \
    for (long start = 0; start < n; start += EW_CHUNK) {                                             \
        long count = n - start < EW_CHUNK ? n - start : EW_CHUNK;                                    \
        ew_widen((const char *)a + start * (a_bf16 ? 2 : 4), a_bf16, count, left);                   \
        ew_widen((const char *)b + start * (b_bf16 ? 2 : 4), b_bf16, count, right);                  \
        switch (op) {                                                                                \
        case ZT_BINARY_ADD: for (long i = 0; i < count; i++) left[i] = left[i] + right[i]; break;    \
        case ZT_BINARY_SUB: for (long i = 0; i < count; i++) left[i] = left[i] - right[i]; break;    \
        default: for (long i = 0; i < count; i++) left[i] = left[i] * right[i]; break;               \
        }                                                                                            \
        ew_narrow(left, count, (char *)out + start * (out_bf16 ? 2 : 4), out_bf16);                  \
    }                                                                                                \
}

#if defined(__x86_64__)
EW_DEFINE(avx512, __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma"))))
EW_DEFINE(avx2, __attribute__((target("avx2,fma"))))
#endif
EW_DEFINE(baseline, )

static int ew_level(void) {
    static int level = -1;
    int known = __atomic_load_n(&level, __ATOMIC_ACQUIRE);
    if (known >= 0) return known;
    const char *isa = zt_kernel_isa();
    known = strcmp(isa, "avx512") == 0 ? 2 : (strcmp(isa, "avx2") == 0 ? 1 : 0);
    __atomic_store_n(&level, known, __ATOMIC_RELEASE);
    return known;
}

void zt_unary(int op, const void *x, int x_bf16, long n, void *out, int out_bf16) {
#if defined(__x86_64__)
    switch (ew_level()) {
    case 2: unary_avx512(op, x, x_bf16, n, out, out_bf16); return;
    case 1: unary_avx2(op, x, x_bf16, n, out, out_bf16); return;
    }
#endif
    unary_baseline(op, x, x_bf16, n, out, out_bf16);
}

void zt_binary_same_shape(int op, const void *a, int a_bf16, const void *b, int b_bf16, long n, void *out,
                          int out_bf16) {
#if defined(__x86_64__)
    switch (ew_level()) {
    case 2: binary_avx512(op, a, a_bf16, b, b_bf16, n, out, out_bf16); return;
    case 1: binary_avx2(op, a, a_bf16, b, b_bf16, n, out, out_bf16); return;
    }
#endif
    binary_baseline(op, a, a_bf16, b, b_bf16, n, out, out_bf16);
}
