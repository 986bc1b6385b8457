#include "CKernels.h"
#include "scalar.h"

// Elementwise kernels over float32 or bfloat16 operands (flagged per operand), computed in float32
// and rounded once to the output type: the activations through a vectorisable exp (the same
// polynomial as the softmax kernel, relative error ~2e-7) instead of the C library's scalar calls,
// and same-shape binary ops without float32 copies of their operands.

// tanh(y) = sign(y)·(1 − 2/(exp(2|y|) + 1)); exact limits ±1 for large |y|, NaN stays NaN.
static inline __attribute__((always_inline)) float ew_tanh(float y) {
    float a = fabsf(y);
    float t = 1.0f - 2.0f / (zt_exp(2.0f * a) + 1.0f);
    if (a < 0.0004f) t = a;  // tanh(a) = a − a³/3: below 4e-4 the cubic term is under float32's rounding.
    t = copysignf(t, y);
    return y != y ? y : t;
}

static inline __attribute__((always_inline)) float ew_apply(int op, float x) {
    switch (op) {
    case ZT_UNARY_SILU: return x / (1.0f + zt_exp(-x));
    case ZT_UNARY_SIGMOID: return 1.0f / (1.0f + zt_exp(-x));
    case ZT_UNARY_EXP: return zt_exp(x);
    case ZT_UNARY_TANH: return ew_tanh(x);
    default: /* ZT_UNARY_GELU_TANH */
        return 0.5f * x * (1.0f + ew_tanh(0.797884560802865356f * (x + 0.044715f * x * x * x)));
    }
}

// Chunks of 256 elements: widened into a float32 buffer, computed, narrowed (a plain loop per
// step, so each vectorises whatever the op and the types).
#define EW_CHUNK 256

#define EW_DEFINE(SUFFIX, TARGET)                                                                    \
TARGET static void unary_##SUFFIX(int op, const void *x, int x_bf16, long n, void *out, int out_bf16) { \
    float buffer[EW_CHUNK];                                                                          \
    for (long start = 0; start < n; start += EW_CHUNK) {                                             \
        long count = n - start < EW_CHUNK ? n - start : EW_CHUNK;                                    \
        zt_widen((const char *)x + start * (x_bf16 ? 2 : 4), x_bf16, count, buffer);                 \
        switch (op) {                                                                                \
        case ZT_UNARY_SILU: for (long i = 0; i < count; i++) buffer[i] = ew_apply(ZT_UNARY_SILU, buffer[i]); break; \
        case ZT_UNARY_SIGMOID: for (long i = 0; i < count; i++) buffer[i] = ew_apply(ZT_UNARY_SIGMOID, buffer[i]); break; \
        case ZT_UNARY_EXP: for (long i = 0; i < count; i++) buffer[i] = ew_apply(ZT_UNARY_EXP, buffer[i]); break; \
        case ZT_UNARY_TANH: for (long i = 0; i < count; i++) buffer[i] = ew_apply(ZT_UNARY_TANH, buffer[i]); break; \
        default: for (long i = 0; i < count; i++) buffer[i] = ew_apply(ZT_UNARY_GELU_TANH, buffer[i]); break; \
        }                                                                                            \
        zt_narrow(buffer, count, (char *)out + start * (out_bf16 ? 2 : 4), out_bf16);                \
    }                                                                                                \
}                                                                                                    \
TARGET static void binary_##SUFFIX(int op, const void *a, int a_bf16, const void *b, int b_bf16, long n, \
                                   void *out, int out_bf16) {                                        \
    float left[EW_CHUNK], right[EW_CHUNK];                                                           \
    for (long start = 0; start < n; start += EW_CHUNK) {                                             \
        long count = n - start < EW_CHUNK ? n - start : EW_CHUNK;                                    \
        zt_widen((const char *)a + start * (a_bf16 ? 2 : 4), a_bf16, count, left);                   \
        zt_widen((const char *)b + start * (b_bf16 ? 2 : 4), b_bf16, count, right);                  \
        switch (op) {                                                                                \
        case ZT_BINARY_ADD: for (long i = 0; i < count; i++) left[i] = left[i] + right[i]; break;    \
        case ZT_BINARY_SUB: for (long i = 0; i < count; i++) left[i] = left[i] - right[i]; break;    \
        default: for (long i = 0; i < count; i++) left[i] = left[i] * right[i]; break;               \
        }                                                                                            \
        zt_narrow(left, count, (char *)out + start * (out_bf16 ? 2 : 4), out_bf16);                  \
    }                                                                                                \
}

#if defined(__x86_64__)
EW_DEFINE(avx512, __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma"))))
EW_DEFINE(avx2, __attribute__((target("avx2,fma"))))
#endif
EW_DEFINE(baseline, )

void zt_unary(int op, const void *x, int x_bf16, long n, void *out, int out_bf16) {
#if defined(__x86_64__)
    switch (zt_isa_level()) {
    case 2: unary_avx512(op, x, x_bf16, n, out, out_bf16); return;
    case 1: unary_avx2(op, x, x_bf16, n, out, out_bf16); return;
    }
#endif
    unary_baseline(op, x, x_bf16, n, out, out_bf16);
}

void zt_binary_same_shape(int op, const void *a, int a_bf16, const void *b, int b_bf16, long n, void *out,
                          int out_bf16) {
#if defined(__x86_64__)
    switch (zt_isa_level()) {
    case 2: binary_avx512(op, a, a_bf16, b, b_bf16, n, out, out_bf16); return;
    case 1: binary_avx2(op, a, a_bf16, b, b_bf16, n, out, out_bf16); return;
    }
#endif
    binary_baseline(op, a, a_bf16, b, b_bf16, n, out, out_bf16);
}
