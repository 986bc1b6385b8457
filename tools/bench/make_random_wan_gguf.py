#!/usr/bin/env python3
"""Writes a Wan transformer GGUF file with random but valid blocks, for memory measurements.

The tensor names, shapes and types follow a ComfyUI-GGUF Wan file (original Wan names; every 2-D
weight in the chosen block type, 1-D tensors, `modulation` tables and the 5-D patch embedding in
F32). The values are random blocks with finite half-precision scales: the file loads and runs, but
is no model. The shapes come from a diffusers `transformer/config.json`, such as the one
tools/bench/make_random_wan.py writes for the real 1.3B configuration:

    /work/venv-tools/bin/python tools/bench/make_random_wan_gguf.py \\
        --config /tmp/wan-1.3b-random/transformer/config.json --type Q4_K --out /tmp/wan-1.3b-Q4_K.gguf

Then `zoetrope memory transformer --model /tmp/wan-1.3b-random --transformer /tmp/wan-1.3b-Q4_K.gguf`.
"""

import argparse
import json

import gguf
import numpy as np

HALF_OFFSETS = {"Q8_0": [0], "Q4_0": [0], "Q4_1": [0, 2], "Q5_0": [0], "Q5_1": [0, 2],
                "Q2_K": [80, 82], "Q3_K": [108], "Q4_K": [0, 2], "Q5_K": [0, 2], "Q6_K": [208]}


def shapes(c):
    """Original Wan names and PyTorch shapes of a text-to-video transformer."""
    d, ffn, text, freq = c["num_attention_heads"] * c["attention_head_dim"], c["ffn_dim"], c["text_dim"], c["freq_dim"]
    patch = list(c["patch_size"])
    out = {"patch_embedding.weight": [d, c["in_channels"], *patch], "patch_embedding.bias": [d],
           "text_embedding.0.weight": [d, text], "text_embedding.0.bias": [d],
           "text_embedding.2.weight": [d, d], "text_embedding.2.bias": [d],
           "time_embedding.0.weight": [d, freq], "time_embedding.0.bias": [d],
           "time_embedding.2.weight": [d, d], "time_embedding.2.bias": [d],
           "time_projection.1.weight": [6 * d, d], "time_projection.1.bias": [6 * d],
           "head.head.weight": [c["out_channels"] * int(np.prod(patch)), d],
           "head.head.bias": [c["out_channels"] * int(np.prod(patch))], "head.modulation": [1, 2, d]}
    for i in range(c["num_layers"]):
        b = f"blocks.{i}."
        out[b + "modulation"] = [1, 6, d]
        for attn in ("self_attn", "cross_attn"):
            for p in "qkvo":
                out[f"{b}{attn}.{p}.weight"] = [d, d]
                out[f"{b}{attn}.{p}.bias"] = [d]
            out[f"{b}{attn}.norm_q.weight"] = [d]
            out[f"{b}{attn}.norm_k.weight"] = [d]
        if c.get("cross_attn_norm", True):
            out[b + "norm3.weight"] = [d]
            out[b + "norm3.bias"] = [d]
        out[b + "ffn.0.weight"] = [ffn, d]
        out[b + "ffn.0.bias"] = [ffn]
        out[b + "ffn.2.weight"] = [d, ffn]
        out[b + "ffn.2.bias"] = [d]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--type", default="Q8_0", choices=sorted(HALF_OFFSETS))
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    with open(args.config) as f:
        config = json.load(f)
    qtype = gguf.GGMLQuantizationType[args.type]
    block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
    rng = np.random.default_rng(0)
    writer = gguf.GGUFWriter(args.out, arch="wan")
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)
    for name, shape in shapes(config).items():
        if len(shape) == 2 and shape[1] % block_size == 0:
            blocks = int(np.prod(shape)) // block_size
            data = rng.integers(0, 256, size=(blocks, type_size), dtype=np.uint8)
            for offset in HALF_OFFSETS[args.type]:
                scale = rng.uniform(-1e-3, 1e-3, size=blocks).astype(np.float16)
                data[:, offset:offset + 2] = scale.view(np.uint8).reshape(blocks, 2)
            writer.add_tensor(name, data.reshape(shape[0], -1), raw_dtype=qtype)
        else:
            writer.add_tensor(name, (0.02 * rng.standard_normal(shape)).astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


if __name__ == "__main__":
    main()
