#ifndef ZOETROPE_GGML_DEQUANTIZE_H
#define ZOETROPE_GGML_DEQUANTIZE_H
// Dequantisation of GGML blocks (the block formats GGUF files store), plain scalar C. The values
// equal the gguf Python package's `dequantize` bit for bit: each value is formed with the same
// float32 products and sums in the same order, never fused into one multiply-add.

/// GGML type ids these kernels decode (the ids GGUF files use).
enum {
    ZT_GGML_F32 = 0, ZT_GGML_F16 = 1, ZT_GGML_Q4_0 = 2, ZT_GGML_Q4_1 = 3, ZT_GGML_Q5_0 = 6, ZT_GGML_Q5_1 = 7,
    ZT_GGML_Q8_0 = 8, ZT_GGML_Q2_K = 10, ZT_GGML_Q3_K = 11, ZT_GGML_Q4_K = 12, ZT_GGML_Q5_K = 13,
    ZT_GGML_Q6_K = 14, ZT_GGML_BF16 = 30
};

/// Decodes `blocks` consecutive blocks of GGML type `type` starting at `source` (little-endian,
/// any alignment) into `blocks · block_size` values at `destination`: float32, or bfloat16 bits
/// (round to nearest even) when `bfloat16` is nonzero. F32, F16 and BF16 have blocks of one value.
/// Returns 0, or -1 for a type these kernels do not decode (nothing is written then).
int zt_ggml_dequantize(int type, const void *source, long blocks, void *destination, int bfloat16);
#endif
