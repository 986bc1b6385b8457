#ifndef ZOETROPE_CKERNELS_H
#define ZOETROPE_CKERNELS_H
// Hot inner loops of the CPU backend in C, each compiled for AVX-512, for AVX2+FMA and for baseline
// x86-64 (or the host's baseline elsewhere), chosen at run time by what the CPU supports.

/// One key block of the online softmax for `rows` query rows (flash attention):
/// scaled = scores·scale; m' = max(running_max, max(scaled)); p = exp(scaled − m');
/// accumulator rows are multiplied by exp(running_max − m') (cleared when first_block);
/// running_sum = running_sum·exp(running_max − m') + Σp; running_max = m'.
/// p is written as float32, or as bfloat16 bits (round to nearest even) when probabilities_bf16.
/// `scratch` holds `columns` floats. Rows are `columns` apart in scores and probabilities.
void zt_online_softmax_block(const float *scores, long rows, long columns, float scale,
                             float *running_max, float *running_sum,
                             float *accumulator, long value_width,
                             void *probabilities, int probabilities_bf16, int first_block, float *scratch);

/// Rows `first_row ..< first_row + rows` of `LN(x)·(1 + scale) + shift` (layer norm without affine
/// parameters, over `width`); shift and scale are float32 `[batch, width]`, row r in batch
/// r / rows_per_batch. `scratch` holds `width` floats.
void zt_modulated_layer_norm(const void *x, int x_bf16, long first_row, long rows, long width, long rows_per_batch,
                             const float *shift, const float *scale, float eps, void *out, int out_bf16,
                             float *scratch);

/// Rows of `x + y·gate` (gate float32 `[batch, width]`). `scratch` holds `2·width` floats.
void zt_gated_residual(const void *x, int x_bf16, const void *y, int y_bf16, const float *gate, long first_row,
                       long rows, long width, long rows_per_batch, void *out, int out_bf16, float *scratch);

/// Rows of `x·rsqrt(mean(x²) + eps)·weight` (weight float32 `[width]` or NULL), rounded to the output
/// type, then, when `cosines` is not NULL, the rotary embedding of each `head_width` slice with the
/// float32 tables `[tokens, head_width]` of row r's token r % tokens. `scratch` holds `width` floats.
void zt_rms_norm_rotary(const void *x, int x_bf16, long first_row, long rows, long width, const float *weight,
                        float eps, long tokens, long head_width, const float *cosines, const float *sines,
                        void *out, int out_bf16, float *scratch);

/// The instruction set the kernels run with: "avx512", "avx2" or "baseline".
const char *zt_kernel_isa(void);
#include "GGMLDequantize.h"
#endif
