#ifndef ZOETROPE_CKERNELS_H
#define ZOETROPE_CKERNELS_H
// Hot inner loops of the CPU backend in C, each compiled for AVX-512, for AVX2+FMA and for baseline
// x86-64 (or the host's baseline elsewhere), chosen at run time by what the CPU supports.

/// One key block of the online softmax for `rows` query rows (flash attention):
/// scaled = scores·scale (+ column_bias[j] when column_bias is not NULL: `columns` floats, e.g. the log
/// of a key's multiplicity); m' = max(running_max, max(scaled)); p = exp(scaled − m');
/// accumulator rows are multiplied by exp(running_max − m') (cleared when first_block);
/// running_sum = running_sum·exp(running_max − m') + Σp; running_max = m'.
/// p is written as float32, or as bfloat16 bits (round to nearest even) when probabilities_bf16.
/// `scratch` holds `columns` floats. Rows are `columns` apart in scores and probabilities.
void zt_online_softmax_block(const float *scores, long rows, long columns, float scale, const float *column_bias,
                             float *running_max, float *running_sum,
                             float *accumulator, long value_width,
                             void *probabilities, int probabilities_bf16, int first_block, float *scratch);

/// Rows `first_row ..< first_row + rows` of `LN(x)·(scale + scale_offset) + shift` (layer norm over
/// `width`); shift and scale are float32 `[batch, width]` (row r in batch r / rows_per_batch) or NULL
/// (then skipped). scale_offset 1 gives the adaptive norm's `1 + scale`, 0 an affine weight.
/// `scratch` holds `width` floats.
void zt_modulated_layer_norm(const void *x, int x_bf16, long first_row, long rows, long width, long rows_per_batch,
                             const float *shift, const float *scale, float scale_offset, float eps, void *out,
                             int out_bf16, float *scratch);

/// Rows of `x + y·gate` (gate float32 `[batch, width]`). `scratch` holds `2·width` floats.
void zt_gated_residual(const void *x, int x_bf16, const void *y, int y_bf16, const float *gate, long first_row,
                       long rows, long width, long rows_per_batch, void *out, int out_bf16, float *scratch);

/// Rows of `x·rsqrt(mean(x²) + eps)·weight` (weight float32 `[width]` or NULL), rounded to the output
/// type, then, when `cosines` is not NULL, the rotary embedding of each `head_width` slice with the
/// float32 tables `[tokens, head_width]` of row r's token r % tokens. `scratch` holds `width` floats.
void zt_rms_norm_rotary(const void *x, int x_bf16, long first_row, long rows, long width, const float *weight,
                        float eps, long tokens, long head_width, const float *cosines, const float *sines,
                        void *out, int out_bf16, float *scratch);

enum { ZT_UNARY_SILU = 0, ZT_UNARY_SIGMOID = 1, ZT_UNARY_EXP = 2, ZT_UNARY_TANH = 3, ZT_UNARY_GELU_TANH = 4 };
enum { ZT_BINARY_ADD = 0, ZT_BINARY_SUB = 1, ZT_BINARY_MUL = 2 };

/// `out[i] = op(x[i])` for `n` elements (float32 or bfloat16 each way), exp-based ops through a
/// polynomial exp (relative error ~2e-7).
void zt_unary(int op, const void *x, int x_bf16, long n, void *out, int out_bf16);

/// `out[i] = a[i] op b[i]` for `n` elements of same-shape operands (float32 or bfloat16 each).
void zt_binary_same_shape(int op, const void *a, int a_bf16, const void *b, int b_bf16, long n, void *out,
                          int out_bf16);

/// The instruction set the kernels run with: "avx512", "avx2" or "baseline".
const char *zt_kernel_isa(void);
#include "GGMLDequantize.h"
/// The channel RMS norm (+ SiLU when `silu`) of `length` spatial positions of one batch item: `x` and
/// `out` point at the block's first position of channel 0, channel rows are `spatial` apart;
/// out = x · rsqrt(Σ_c x² / channels + eps) · gamma[c] (+ bias[c]), then x·sigmoid(x). `inverse` holds
/// `length` floats.
void zt_channel_rms_norm_block(const float *x, float *out, long channels, long spatial, long length,
                               const float *gamma, const float *bias, float eps, int silu, float *inverse);

#endif
