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

/// The instruction set the kernels run with: "avx512", "avx2" or "baseline".
const char *zt_kernel_isa(void);
#include "GGMLDequantize.h"
#endif
