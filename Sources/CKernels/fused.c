#include "CKernels.h"
#include "scalar.h"

// Row kernels of the transformer block that read and write each activation once: the modulated
// layer norm, the gated residual, and the q/k RMS norm with the rotary embedding. Activations are
// float32 or bfloat16 (flagged per operand); the arithmetic is float32, in the order the unfused ops
// use, and each result is rounded once to its output type (round to nearest even).

// Sums with sixteen independent partial sums (each lane in order, so the loops vectorise without
// reassociating anything), then added lane by lane.
static inline __attribute__((always_inline)) float zt_lanes_total(const float *acc) {
    float total = 0.0f;
    for (int l = 0; l < 16; l++) total += acc[l];
    return total;
}

// Σ (x − shift)
static inline __attribute__((always_inline)) float zt_sum_shifted(const float *x, long n, float shift) {
    float acc[16] = {0};
    long i = 0;
    for (; i + 16 <= n; i += 16)
        for (int l = 0; l < 16; l++) acc[l] += x[i + l] - shift;
    float total = zt_lanes_total(acc);
    for (; i < n; i++) total += x[i] - shift;
    return total;
}

// Σ ((x − pivot) − offset)²
static inline __attribute__((always_inline)) float zt_sum_squared_deviation(const float *x, long n, float pivot,
                                                                            float offset) {
    float acc[16] = {0};
    long i = 0;
    for (; i + 16 <= n; i += 16)
        for (int l = 0; l < 16; l++) {
            float d = (x[i + l] - pivot) - offset;
            acc[l] += d * d;
        }
    float total = zt_lanes_total(acc);
    for (; i < n; i++) {
        float d = (x[i] - pivot) - offset;
        total += d * d;
    }
    return total;
}

#define ZT_DEFINE_FUSED(SUFFIX, TARGET)                                                               \
TARGET static void modulated_norm_##SUFFIX(const void *x, int x_bf16, long first_row, long rows,      \
        long width, long rows_per_batch, const float *shift, const float *scale, float scale_offset,  \
        float eps, void *out, int out_bf16, float *scratch) {                                        \
    for (long r = 0; r < rows; r++) {                                                                 \
        long row = first_row + r, batch = row / rows_per_batch;                                       \
        const char *xs = (const char *)x + row * width * (x_bf16 ? 2 : 4);                            \
        char *ys = (char *)out + row * width * (out_bf16 ? 2 : 4);                                    \
        const float *sh = shift ? shift + batch * width : 0, *sc = scale ? scale + batch * width : 0; \
        zt_widen(xs, x_bf16, width, scratch);                                                         \
        float pivot = scratch[0];                                                                     \
        float offset = zt_sum_shifted(scratch, width, pivot) / (float)width;                          \
        float squares = zt_sum_squared_deviation(scratch, width, pivot, offset);                      \
        float inverse = 1.0f / sqrtf(squares / (float)width + eps);                                   \
        for (long i = 0; i < width; i++) scratch[i] = ((scratch[i] - pivot) - offset) * inverse;     \
        if (sc) for (long i = 0; i < width; i++) scratch[i] = scratch[i] * (sc[i] + scale_offset);   \
        if (sh) for (long i = 0; i < width; i++) scratch[i] = scratch[i] + sh[i];                    \
        zt_narrow(scratch, width, ys, out_bf16);                                                      \
    }                                                                                                 \
}                                                                                                     \
TARGET static void gated_residual_##SUFFIX(const void *x, int x_bf16, const void *y, int y_bf16,      \
        const float *gate, long first_row, long rows, long width, long rows_per_batch,                \
        void *out, int out_bf16, float *scratch) {                                                   \
    for (long r = 0; r < rows; r++) {                                                                 \
        long row = first_row + r, batch = row / rows_per_batch;                                       \
        const char *xs = (const char *)x + row * width * (x_bf16 ? 2 : 4);                            \
        const char *ysrc = (const char *)y + row * width * (y_bf16 ? 2 : 4);                          \
        char *os = (char *)out + row * width * (out_bf16 ? 2 : 4);                                    \
        const float *g = gate + batch * width;                                                        \
        float *a = scratch, *b = scratch + width;                                                     \
        zt_widen(xs, x_bf16, width, a);                                                               \
        zt_widen(ysrc, y_bf16, width, b);                                                             \
        for (long i = 0; i < width; i++) {                                                            \
            float gated = b[i] * g[i];                                                                \
            a[i] = a[i] + gated;                                                                      \
        }                                                                                             \
        zt_narrow(a, width, os, out_bf16);                                                            \
    }                                                                                                 \
}                                                                                                     \
TARGET static void rms_norm_rotary_##SUFFIX(const void *x, int x_bf16, long first_row, long rows,     \
        long width, const float *weight, float eps, long tokens, long head_width,                     \
        const float *cosines, const float *sines, void *out, int out_bf16, float *scratch) {         \
    for (long r = 0; r < rows; r++) {                                                                 \
        long row = first_row + r, token = row % tokens;                                               \
        const char *xs = (const char *)x + row * width * (x_bf16 ? 2 : 4);                            \
        char *ys = (char *)out + row * width * (out_bf16 ? 2 : 4);                                    \
        zt_widen(xs, x_bf16, width, scratch);                                                         \
        float squares = zt_sum_squared_deviation(scratch, width, 0.0f, 0.0f);                         \
        float inverse = 1.0f / sqrtf(squares / (float)width + eps);                                   \
        for (long i = 0; i < width; i++) {                                                            \
            float v = scratch[i] * inverse;                                                           \
            scratch[i] = weight ? v * weight[i] : v;                                                  \
        }                                                                                             \
        if (cosines) {                                                                                \
            /* The norm's result is rounded to the output type before the rotation, as between    */  \
            /* the two unfused ops.                                                                */ \
            if (out_bf16) {                                                                           \
                for (long i = 0; i < width; i++) scratch[i] = zt_round_bf16(scratch[i]);              \
            }                                                                                         \
            const float *c = cosines + token * head_width, *s = sines + token * head_width;           \
            for (long h = 0; h < width; h += head_width) {                                            \
                float *v = scratch + h;                                                               \
                for (long j = 0; j < head_width; j += 2) {                                            \
                    float even = v[j], odd = v[j + 1];                                                \
                    float re = even * c[j] - odd * s[j + 1];                                          \
                    float ro = even * s[j + 1] + odd * c[j];                                          \
                    v[j] = re;                                                                        \
                    v[j + 1] = ro;                                                                    \
                }                                                                                     \
            }                                                                                         \
        }                                                                                             \
        zt_narrow(scratch, width, ys, out_bf16);                                                      \
    }                                                                                                 \
}

#if defined(__x86_64__)
ZT_DEFINE_FUSED(avx512, __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma"))))
ZT_DEFINE_FUSED(avx2, __attribute__((target("avx2,fma"))))
#endif
ZT_DEFINE_FUSED(baseline, )

void zt_modulated_layer_norm(const void *x, int x_bf16, long first_row, long rows, long width, long rows_per_batch,
                             const float *shift, const float *scale, float scale_offset, float eps, void *out,
                             int out_bf16, float *scratch) {
#if defined(__x86_64__)
    switch (zt_isa_level()) {
    case 2: modulated_norm_avx512(x, x_bf16, first_row, rows, width, rows_per_batch, shift, scale, scale_offset, eps, out, out_bf16, scratch); return;
    case 1: modulated_norm_avx2(x, x_bf16, first_row, rows, width, rows_per_batch, shift, scale, scale_offset, eps, out, out_bf16, scratch); return;
    }
#endif
    modulated_norm_baseline(x, x_bf16, first_row, rows, width, rows_per_batch, shift, scale, scale_offset, eps, out, out_bf16, scratch);
}

void zt_gated_residual(const void *x, int x_bf16, const void *y, int y_bf16, const float *gate, long first_row,
                       long rows, long width, long rows_per_batch, void *out, int out_bf16, float *scratch) {
#if defined(__x86_64__)
    switch (zt_isa_level()) {
    case 2: gated_residual_avx512(x, x_bf16, y, y_bf16, gate, first_row, rows, width, rows_per_batch, out, out_bf16, scratch); return;
    case 1: gated_residual_avx2(x, x_bf16, y, y_bf16, gate, first_row, rows, width, rows_per_batch, out, out_bf16, scratch); return;
    }
#endif
    gated_residual_baseline(x, x_bf16, y, y_bf16, gate, first_row, rows, width, rows_per_batch, out, out_bf16, scratch);
}

void zt_rms_norm_rotary(const void *x, int x_bf16, long first_row, long rows, long width, const float *weight,
                        float eps, long tokens, long head_width, const float *cosines, const float *sines,
                        void *out, int out_bf16, float *scratch) {
#if defined(__x86_64__)
    switch (zt_isa_level()) {
    case 2: rms_norm_rotary_avx512(x, x_bf16, first_row, rows, width, weight, eps, tokens, head_width, cosines, sines, out, out_bf16, scratch); return;
    case 1: rms_norm_rotary_avx2(x, x_bf16, first_row, rows, width, weight, eps, tokens, head_width, cosines, sines, out, out_bf16, scratch); return;
    }
#endif
    rms_norm_rotary_baseline(x, x_bf16, first_row, rows, width, weight, eps, tokens, head_width, cosines, sines, out, out_bf16, scratch);
}
