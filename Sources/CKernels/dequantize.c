#include "GGMLDequantize.h"
#include <stdint.h>
#include <string.h>

// Every value is one float32 product (or product then sum) in the reference's order; contraction
// into fused multiply-adds would change the last bit, so it is off for this file.
#pragma STDC FP_CONTRACT OFF

static inline uint16_t zt_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

static inline float zt_bits_to_float(uint32_t bits) {
    float value;
    memcpy(&value, &bits, 4);
    return value;
}

/// IEEE half → float, exactly (subnormals as mantissa·2^-24, an exact product).
static inline float zt_half(const uint8_t *p) {
    uint16_t h = zt_u16(p);
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exponent = (h >> 10) & 0x1Fu, mantissa = h & 0x3FFu;
    if (exponent == 0) {
        float magnitude = (float)mantissa * 5.9604644775390625e-8f;
        return sign ? -magnitude : magnitude;
    }
    if (exponent == 31) return zt_bits_to_float(sign | 0x7F800000u | (mantissa << 13));
    return zt_bits_to_float(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

static inline uint16_t zt_to_bf16(float value) {
    uint32_t bits;
    memcpy(&bits, &value, 4);
    if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((bits >> 16) | 0x40u);
    return (uint16_t)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
}

// MARK: 32-value blocks

static void block_q8_0(const uint8_t *b, float *y) {
    float d = zt_half(b);
    const int8_t *qs = (const int8_t *)(b + 2);
    for (int i = 0; i < 32; i++) y[i] = (float)qs[i] * d;
}

static void block_q4_0(const uint8_t *b, float *y) {
    float d = zt_half(b);
    const uint8_t *qs = b + 2;
    for (int i = 0; i < 16; i++) {
        y[i] = d * (float)((int)(qs[i] & 15) - 8);
        y[i + 16] = d * (float)((int)(qs[i] >> 4) - 8);
    }
}

static void block_q4_1(const uint8_t *b, float *y) {
    float d = zt_half(b), m = zt_half(b + 2);
    const uint8_t *qs = b + 4;
    for (int i = 0; i < 16; i++) {
        float lo = d * (float)(qs[i] & 15), hi = d * (float)(qs[i] >> 4);
        y[i] = lo + m;
        y[i + 16] = hi + m;
    }
}

static inline uint32_t zt_u32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static void block_q5_0(const uint8_t *b, float *y) {
    float d = zt_half(b);
    uint32_t qh = zt_u32(b + 2);
    const uint8_t *qs = b + 6;
    for (int i = 0; i < 16; i++) {
        int lo = (qs[i] & 15) | (int)(((qh >> i) & 1u) << 4);
        int hi = (qs[i] >> 4) | (int)(((qh >> (i + 16)) & 1u) << 4);
        y[i] = d * (float)(lo - 16);
        y[i + 16] = d * (float)(hi - 16);
    }
}

static void block_q5_1(const uint8_t *b, float *y) {
    float d = zt_half(b), m = zt_half(b + 2);
    uint32_t qh = zt_u32(b + 4);
    const uint8_t *qs = b + 8;
    for (int i = 0; i < 16; i++) {
        int lo = (qs[i] & 15) | (int)(((qh >> i) & 1u) << 4);
        int hi = (qs[i] >> 4) | (int)(((qh >> (i + 16)) & 1u) << 4);
        float a = d * (float)lo, c = d * (float)hi;
        y[i] = a + m;
        y[i + 16] = c + m;
    }
}

// MARK: 256-value K-quant blocks

static void block_q2_k(const uint8_t *b, float *y) {
    const uint8_t *scales = b, *qs = b + 16;
    float d = zt_half(b + 80), dmin = zt_half(b + 82);
    for (int e = 0; e < 256; e++) {
        int half = e / 128, shift = (e % 128) / 32, l = e % 32;
        int q = (qs[half * 32 + l] >> (2 * shift)) & 3;
        uint8_t sc = scales[e / 16];
        float dl = d * (float)(sc & 15), ml = dmin * (float)(sc >> 4);
        float scaled = dl * (float)q;
        y[e] = scaled - ml;
    }
}

static void block_q3_k(const uint8_t *b, float *y) {
    const uint8_t *hmask = b, *qs = b + 32, *packed = b + 96;
    float d = zt_half(b + 108);
    float dl[16];
    for (int j = 0; j < 16; j++) {
        int low = j < 8 ? (packed[j] & 15) : (packed[j - 8] >> 4);
        int high = (packed[8 + j % 4] >> (2 * (j / 4))) & 3;
        dl[j] = d * (float)((low | (high << 4)) - 32);
    }
    for (int e = 0; e < 256; e++) {
        int half = e / 128, shift = (e % 128) / 32, l = e % 32;
        int low = (qs[half * 32 + l] >> (2 * shift)) & 3;
        int high = (hmask[l] >> (e / 32)) & 1;
        y[e] = dl[e / 16] * (float)(low - (high ? 0 : 4));
    }
}

/// The 6-bit scale and min of sub-block j (0..7) of a Q4_K / Q5_K block.
static inline void zt_scale_min(const uint8_t *q, int j, int *scale, int *minimum) {
    if (j < 4) {
        *scale = q[j] & 63;
        *minimum = q[j + 4] & 63;
    } else {
        *scale = (q[j + 4] & 15) | ((q[j - 4] >> 6) << 4);
        *minimum = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

static void block_q4_k(const uint8_t *b, float *y) {
    float d = zt_half(b), dmin = zt_half(b + 2);
    const uint8_t *scales = b + 4, *qs = b + 16;
    for (int j = 0; j < 8; j++) {
        int sc, m;
        zt_scale_min(scales, j, &sc, &m);
        float dd = d * (float)sc, dm = dmin * (float)m;
        int group = j / 2, shift = 4 * (j % 2);
        for (int l = 0; l < 32; l++) {
            float scaled = dd * (float)((qs[group * 32 + l] >> shift) & 15);
            y[j * 32 + l] = scaled - dm;
        }
    }
}

static void block_q5_k(const uint8_t *b, float *y) {
    float d = zt_half(b), dmin = zt_half(b + 2);
    const uint8_t *scales = b + 4, *qh = b + 16, *qs = b + 48;
    for (int j = 0; j < 8; j++) {
        int sc, m;
        zt_scale_min(scales, j, &sc, &m);
        float dd = d * (float)sc, dm = dmin * (float)m;
        int group = j / 2, shift = 4 * (j % 2);
        for (int l = 0; l < 32; l++) {
            int q = ((qs[group * 32 + l] >> shift) & 15) | (((qh[l] >> j) & 1) << 4);
            float scaled = dd * (float)q;
            y[j * 32 + l] = scaled - dm;
        }
    }
}

static void block_q6_k(const uint8_t *b, float *y) {
    const uint8_t *ql = b, *qh = b + 128;
    const int8_t *scales = (const int8_t *)(b + 192);
    float d = zt_half(b + 208);
    for (int e = 0; e < 256; e++) {
        int half = e / 128, r = e % 128;
        int low = (ql[half * 64 + r % 64] >> (4 * (r / 64))) & 15;
        int high = (qh[half * 32 + r % 32] >> (2 * (r / 32))) & 3;
        float scale = d * (float)scales[e / 16];
        y[e] = scale * (float)((low | (high << 4)) - 32);
    }
}

// MARK: Dispatch

typedef void (*block_fn)(const uint8_t *, float *);

int zt_ggml_dequantize(int type, const void *source, long blocks, void *destination, int bfloat16) {
    const uint8_t *src = (const uint8_t *)source;
    float *out32 = (float *)destination;
    uint16_t *out16 = (uint16_t *)destination;
    if (type == ZT_GGML_F32 || type == ZT_GGML_F16 || type == ZT_GGML_BF16) {
        for (long i = 0; i < blocks; i++) {
            float v;
            if (type == ZT_GGML_F32) v = zt_bits_to_float(zt_u32(src + 4 * i));
            else if (type == ZT_GGML_F16) v = zt_half(src + 2 * i);
            else v = zt_bits_to_float((uint32_t)zt_u16(src + 2 * i) << 16);
            if (bfloat16) out16[i] = zt_to_bf16(v); else out32[i] = v;
        }
        return 0;
    }
    block_fn decode;
    int size, bytes;
    switch (type) {
    case ZT_GGML_Q8_0: decode = block_q8_0; size = 32; bytes = 34; break;
    case ZT_GGML_Q4_0: decode = block_q4_0; size = 32; bytes = 18; break;
    case ZT_GGML_Q4_1: decode = block_q4_1; size = 32; bytes = 20; break;
    case ZT_GGML_Q5_0: decode = block_q5_0; size = 32; bytes = 22; break;
    case ZT_GGML_Q5_1: decode = block_q5_1; size = 32; bytes = 24; break;
    case ZT_GGML_Q2_K: decode = block_q2_k; size = 256; bytes = 84; break;
    case ZT_GGML_Q3_K: decode = block_q3_k; size = 256; bytes = 110; break;
    case ZT_GGML_Q4_K: decode = block_q4_k; size = 256; bytes = 144; break;
    case ZT_GGML_Q5_K: decode = block_q5_k; size = 256; bytes = 176; break;
    case ZT_GGML_Q6_K: decode = block_q6_k; size = 256; bytes = 210; break;
    default: return -1;
    }
    float values[256];
    for (long i = 0; i < blocks; i++) {
        decode(src + i * bytes, values);
        if (bfloat16) {
            uint16_t *o = out16 + i * size;
            for (int k = 0; k < size; k++) o[k] = zt_to_bf16(values[k]);
        } else {
            memcpy(out32 + i * size, values, (size_t)size * 4);
        }
    }
    return 0;
}
