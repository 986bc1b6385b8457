#include "CKernels.h"
#include "scalar.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define ZT_DEFINE_SOFTMAX(NAME, TARGET)                                                              \
TARGET static void NAME(const float *scores, long rows, long columns, float scale, const float *bias, \
                        float *running_max, float *running_sum, float *accumulator, long value_width, \
                        void *probabilities, int bf16, int first_block, float *scratch) {            \
    _Pragma("clang fp reassociate(on)")                                                              \
    for (long row = 0; row < rows; row++) {                                                          \
        const float *s = scores + row * columns;                                                     \
        float block_max = -INFINITY;                                                                 \
        for (long j = 0; j < columns; j++) {                                                         \
            float v = s[j] * scale;                                                                  \
            if (bias) v += bias[j];                                                                  \
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
#define ZT_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma")))

/// exp(x) on 16 lanes for x ≤ 0 (a softmax's shifted scores): zt_exp's range reduction and
/// polynomial, with 2ⁿ applied by vscalefps, which flushes what underflows to zero; NaN stays NaN.
ZT_AVX512 static inline __m512 exp16(__m512 x) {
    __m512 xc = _mm512_max_ps(_mm512_set1_ps(-104.0f), x);  // NaN x: max returns its second operand
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(xc, _mm512_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), xc);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

/// 16 probabilities in [0, 1] (or quiet NaN) rounded to bfloat16, nearest even: no NaN test is
/// needed, a quiet NaN's rounding never reaches the exponent.
ZT_AVX512 static inline __m256i bf16x16(__m512 v) {
    __m512i bits = _mm512_castps_si512(v);
    __m512i odd = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
    __m512i rounded = _mm512_srli_epi32(_mm512_add_epi32(_mm512_add_epi32(bits, _mm512_set1_epi32(0x7FFF)), odd), 16);
    return _mm512_cvtepi32_epi16(rounded);
}

/// The same block in two passes over the scores (max, then exp / sum / store), 16 columns a step,
/// masked at the tail: no scratch.
ZT_AVX512 static void softmax_avx512(const float *scores, long rows, long columns, float scale, const float *bias,
                                     float *running_max, float *running_sum, float *accumulator, long value_width,
                                     void *probabilities, int bf16, int first_block, float *scratch) {
    (void)scratch;
    const __m512 vscale = _mm512_set1_ps(scale), minus_infinity = _mm512_set1_ps(-INFINITY);
    for (long row = 0; row < rows; row++) {
        const float *s = scores + row * columns;
        __m512 vmax = minus_infinity;
        for (long j = 0; j < columns; j += 16) {
            __mmask16 m = columns - j >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (columns - j)) - 1);
            __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, s + j), vscale);
            if (bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, bias + j));
            vmax = _mm512_mask_max_ps(vmax, m, vmax, v);
        }
        float block_max = _mm512_reduce_max_ps(vmax);
        float old_max = first_block ? -INFINITY : running_max[row];
        float new_max = old_max > block_max ? old_max : block_max;
        const __m512 vnew = _mm512_set1_ps(new_max);
        __m512 vsum = _mm512_setzero_ps();
        for (long j = 0; j < columns; j += 16) {
            __mmask16 m = columns - j >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (columns - j)) - 1);
            __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, s + j), vscale);
            if (bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, bias + j));
            __m512 e = exp16(_mm512_sub_ps(v, vnew));
            vsum = _mm512_mask_add_ps(vsum, m, vsum, e);
            if (bf16) {
                _mm256_mask_storeu_epi16((uint16_t *)probabilities + row * columns + j, m, bf16x16(e));
            } else {
                _mm512_mask_storeu_ps((float *)probabilities + row * columns + j, m, e);
            }
        }
        float total = _mm512_reduce_add_ps(vsum);
        float *acc = accumulator + row * value_width;
        if (first_block) {
            memset(acc, 0, (size_t)value_width * 4);
            running_sum[row] = total;
        } else {
            float correction = zt_exp(old_max - new_max);
            for (long c = 0; c < value_width; c++) acc[c] *= correction;
            running_sum[row] = running_sum[row] * correction + total;
        }
        running_max[row] = new_max;
    }
}

ZT_DEFINE_SOFTMAX(softmax_avx2, __attribute__((target("avx2,fma"))))
#endif
ZT_DEFINE_SOFTMAX(softmax_baseline, )

typedef void (*softmax_fn)(const float *, long, long, float, const float *, float *, float *, float *, long, void *, int, int, float *);

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

void zt_online_softmax_block(const float *scores, long rows, long columns, float scale, const float *column_bias,
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
    kernel(scores, rows, columns, scale, column_bias, running_max, running_sum, accumulator, value_width,
           probabilities, probabilities_bf16, first_block, scratch);
}
