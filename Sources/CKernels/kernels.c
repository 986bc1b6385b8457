#include "CKernels.h"
#include "scalar.h"

#define ZT_DEFINE_SOFTMAX(NAME, TARGET)                                                              \
TARGET static void NAME(const float *scores, long rows, long columns, float scale,                   \
                        float *running_max, float *running_sum, float *accumulator, long value_width, \
                        void *probabilities, int bf16, int first_block, float *scratch) {            \
    _Pragma("clang fp reassociate(on)")                                                              \
    for (long row = 0; row < rows; row++) {                                                          \
        const float *s = scores + row * columns;                                                     \
        float block_max = -INFINITY;                                                                 \
        for (long j = 0; j < columns; j++) {                                                         \
            float v = s[j] * scale;                                                                  \
            scratch[j] = v;                                                                          \
            block_max = v > block_max ? v : block_max;                                               \
        }                                                                                            \
        float old_max = first_block ? -INFINITY : running_max[row];                                  \
        float new_max = old_max > block_max ? old_max : block_max;                                   \
        float total = 0.0f;                                                                          \
        for (long j = 0; j < columns; j++) {                                                         \
            float e = zt_exp(scratch[j] - new_max);                                                  \
            scratch[j] = e;                                                                          \
            total += e;                                                                              \
        }                                                                                            \
        if (bf16) {                                                                                  \
            uint16_t *p = (uint16_t *)probabilities + row * columns;                                 \
            for (long j = 0; j < columns; j++) p[j] = zt_bf16(scratch[j]);                           \
        } else {                                                                                     \
            memcpy((float *)probabilities + row * columns, scratch, (size_t)columns * 4);            \
        }                                                                                            \
        float *acc = accumulator + row * value_width;                                                \
        if (first_block) {                                                                           \
            memset(acc, 0, (size_t)value_width * 4);                                                 \
            running_sum[row] = total;                                                                \
        } else {                                                                                     \
            float correction = zt_exp(old_max - new_max);                                            \
            for (long c = 0; c < value_width; c++) acc[c] *= correction;                             \
            running_sum[row] = running_sum[row] * correction + total;                                \
        }                                                                                            \
        running_max[row] = new_max;                                                                  \
    }                                                                                                \
}

#if defined(__x86_64__)
ZT_DEFINE_SOFTMAX(softmax_avx512, __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma"))))
ZT_DEFINE_SOFTMAX(softmax_avx2, __attribute__((target("avx2,fma"))))
#endif
ZT_DEFINE_SOFTMAX(softmax_baseline, )

typedef void (*softmax_fn)(const float *, long, long, float, float *, float *, float *, long, void *, int, int, float *);

int zt_isa_level(void) {
    static int level = -1;
    int known = __atomic_load_n(&level, __ATOMIC_ACQUIRE);
    if (known >= 0) return known;
    known = 0;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")) known = 2;
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) known = 1;
#endif
    __atomic_store_n(&level, known, __ATOMIC_RELEASE);
    return known;
}

const char *zt_kernel_isa(void) {
    switch (zt_isa_level()) {
    case 2: return "avx512";
    case 1: return "avx2";
    default: return "baseline";
    }
}

void zt_online_softmax_block(const float *scores, long rows, long columns, float scale,
                             float *running_max, float *running_sum, float *accumulator, long value_width,
                             void *probabilities, int probabilities_bf16, int first_block, float *scratch) {
    static softmax_fn chosen = 0;
    softmax_fn kernel = __atomic_load_n(&chosen, __ATOMIC_ACQUIRE);
    if (!kernel) {
#if defined(__x86_64__)
        int level = zt_isa_level();
        kernel = level == 2 ? softmax_avx512 : (level == 1 ? softmax_avx2 : softmax_baseline);
#else
        kernel = softmax_baseline;
#endif
        __atomic_store_n(&chosen, kernel, __ATOMIC_RELEASE);
    }
    kernel(scores, rows, columns, scale, running_max, running_sum, accumulator, value_width,
           probabilities, probabilities_bf16, first_block, scratch);
}
