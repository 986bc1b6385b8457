#include "CKernels.h"
#include "scalar.h"

// The Wan VAE's channel RMS norm and SiLU for one block of spatial positions of one batch item, in one
// pass per channel row: Σ_c x² down the channels, then each row scaled, shifted and activated. The
// float32 arithmetic is that of the Swift loop it replaces; SiLU's exp is zt_exp, vectorised.

#define ZT_DEFINE_CHANNEL_NORM(SUFFIX, TARGET)                                                         \
TARGET static void channel_norm_##SUFFIX(const float *x, float *out, long channels, long spatial,      \
        long length, const float *gamma, const float *bias, float eps, int silu, float *inverse) {    \
    for (long i = 0; i < length; i++) inverse[i] = 0.0f;                                              \
    for (long c = 0; c < channels; c++) {                                                             \
        const float *row = x + c * spatial;                                                           \
        for (long i = 0; i < length; i++) inverse[i] += row[i] * row[i];                             \
    }                                                                                                 \
    const float count = (float)channels;                                                              \
    for (long i = 0; i < length; i++) inverse[i] = 1.0f / sqrtf(inverse[i] / count + eps);           \
    for (long c = 0; c < channels; c++) {                                                             \
        const float *row = x + c * spatial;                                                           \
        float *target = out + c * spatial;                                                            \
        const float weight = gamma[c], offset = bias ? bias[c] : 0.0f;                                \
        if (silu) {                                                                                   \
            for (long i = 0; i < length; i++) {                                                       \
                float v = row[i] * inverse[i] * weight + offset;                                      \
                target[i] = v / (1.0f + zt_exp(-v));                                                  \
            }                                                                                         \
        } else {                                                                                      \
            for (long i = 0; i < length; i++) target[i] = row[i] * inverse[i] * weight + offset;     \
        }                                                                                             \
    }                                                                                                 \
}

#if defined(__x86_64__)
ZT_DEFINE_CHANNEL_NORM(avx512, __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma"))))
ZT_DEFINE_CHANNEL_NORM(avx2, __attribute__((target("avx2,fma"))))
#endif
ZT_DEFINE_CHANNEL_NORM(baseline, )

void zt_channel_rms_norm_block(const float *x, float *out, long channels, long spatial, long length,
                               const float *gamma, const float *bias, float eps, int silu, float *inverse) {
#if defined(__x86_64__)
    switch (zt_isa_level()) {
    case 2: channel_norm_avx512(x, out, channels, spatial, length, gamma, bias, eps, silu, inverse); return;
    case 1: channel_norm_avx2(x, out, channels, spatial, length, gamma, bias, eps, silu, inverse); return;
    }
#endif
    channel_norm_baseline(x, out, channels, spatial, length, gamma, bias, eps, silu, inverse);
}
